"""
Bringing products in from producers' own shop pages, and re-reading them later: each page fetched
politely (robots.txt, a delay per host, ``scraping``), its schema.org markup read into a
``ScrapedProduct`` (``reading``), then written as a product with its variants, price history and
photos (``products``). The services' import, preview and re-scrape functions are the way in.
"""
