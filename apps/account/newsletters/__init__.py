"""
Newsletters: subscribing with double opt-in and unsubscribing in one click (``subscriptions``),
sending an issue at most once to each subscriber (``sending``), the pages of the account site
(``views``), and the plain-text part of an issue made from its HTML.
"""
