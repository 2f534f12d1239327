"""
Single sign-on: the OpenID Connect server on the federation site (``server``, ``code_reuse``, its
``/o/`` routes in ``server_urls``), the client every other site runs (``client``, the ``/auth/``
views and routes every host serves), and the middleware that keeps each site's session in step
with the member's SSO session. See ``docs/sso.md``.
"""
