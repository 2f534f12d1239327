"""
A member's own tickets and bookings beyond the event page: the account dashboard's "Tickets" and
"Bookings" sections, their part of the data export and of an account's deletion (``account``),
and the buttons on them, to mail a ticket again or cancel a booking (``views``), served on the
events host's "My tickets" and on the account host (``account_urls``).
"""
