"""How a page is put together and kept: other sites' fragments, the slots that show them, the visitors' page cache."""
