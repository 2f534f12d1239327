"""
Signing up and in with a password at the federation site, behind the member pages (``views``):
the throttle against guessing and mail floods, and the link that confirms a new member's email.
"""
