"""What every whitelisted endpoint of the app goes through before it runs (see `hook`)."""
