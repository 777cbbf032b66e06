"""Read-only pull API for the regional observatories, over the published marts."""

from pipelines.api.app import create_app
from pipelines.api.cli import serve, token_create, token_list, token_revoke

__all__ = ["create_app", "serve", "token_create", "token_list", "token_revoke"]
