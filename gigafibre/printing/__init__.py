"""Documents customers read on paper: the invoice print format and what it needs."""
