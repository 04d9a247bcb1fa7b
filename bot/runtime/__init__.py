"""Running the bot: settings from the environment, loading the index and the tuned encoder, the
HTTP server, reloading the knowledge and re-tuning in the background.
"""
