"""
Places held on a date, beneath ``services``: taken and given back under the entry's lock, the one
way every booking is made (``places``); sold through the cart as paid tickets (``purchasables``);
and their holders told by mail when staff cancel or move the date (``notices``).
"""
