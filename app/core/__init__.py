"""The core every layer stands on: the settings, structured logging and the domain errors
(each carrying its HTTP status). Imports nothing else of the app."""
