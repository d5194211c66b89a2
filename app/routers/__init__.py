"""HTTP routes: parse, authorize, call a service, render."""
