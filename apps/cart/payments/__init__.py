"""
Card payments for orders: SumUp's client (``sumup``), taking a payment (``paying``: the hosted
checkout, its webhook and return page, or the test payment without a key), and giving money back
(``refunds``).
"""
