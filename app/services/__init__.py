"""Business rules, called by routers, the CLI and the report renderer."""
