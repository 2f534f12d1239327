"""
A member's own things on the account site: the dashboard's pages (``views``) and the sections other
apps add to it, the profile and preferences, addresses for checkout, the export and deletion of
their data, and the mail about what the social hub notified them of.
"""
