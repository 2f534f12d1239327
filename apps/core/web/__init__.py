"""
What every request to every site passes through: routing by host, the Content-Security-Policy header,
errors rendered as answers, the sites given to templates, and the readiness checks behind ``/readyz``.
"""
