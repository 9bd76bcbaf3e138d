"""The customer portal's server side: passwordless links, the portal session, the account."""
