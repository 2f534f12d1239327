"""
How the world hears that a product changed, once the change commits: ``changes`` is what every
write of a product calls (visitors' kept pages are renewed, the fediverse is told), ``fediverse``
is the market actor's Note about the product to its followers.
"""
