"""The wire shapes (pydantic): request options and response bodies, shared by the HTTP API
and the results jobs store. Imports nothing else of the app."""
