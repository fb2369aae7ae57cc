"""HTTP routes, one module per resource. Only HTTP concerns live here."""
