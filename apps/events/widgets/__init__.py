"""
The events shown outside the events site: the "upcoming events" list and the small month
calendar, built once (``render``) for the fragments other sites of ours show and for the widget
pages outside websites frame (``views``, with the script snippet that puts them there).
"""
