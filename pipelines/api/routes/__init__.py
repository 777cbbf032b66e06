"""The API's routers, one concern each; `pipelines.api.app.create_app` includes them."""
