"""Every view: the consoles (data on stdout, chatter on stderr), tables, JSON and YAML."""
