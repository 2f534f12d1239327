"""
The market's read-only JSON API at ``/api/`` on the market host: the viewsets and Swagger UI
(``views``), their routes and OpenAPI schema (``urls``) and the shapes of producers and products
(``serializers``). It narrows the product list with the pages' own ``apps.market.filters``.
"""
