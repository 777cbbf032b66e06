"""The deposit portal (issue 23 §2): coordinators deposit their exports and read at once the report `ptsm check`
gives; the DMSMP and the ARS see the collection status. Server-rendered French HTML (FastAPI + Jinja2)."""
