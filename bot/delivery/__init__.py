"""Everything the bot sends on its own (not as a reply): posts, DMs and notices, through one output module."""
