"""Sign in with HelseID, the national login service for Norwegian health personnel.

An allauth OpenID Connect provider (id ``helseid``) that meets HelseID's client requirements:
client authentication with a signed JWT (``private_key_jwt``), PKCE (S256), pushed authorization
requests when the server offers them, a nonce, and an ID token whose signature is always checked
against HelseID's published keys. Switched on by ``HELSEID_CLIENT_ID`` (see the README).
"""
