from apps.blog.checks import check_federate_as


def test_an_unknown_federation_type_stops_start_up(settings):
    settings.BLOG_FEDERATE_AS = "Page"

    [error] = check_federate_as()

    assert error.id == "blog.E001"
    assert "Article, Note" in error.hint


def test_article_and_note_pass(settings):
    for kind in ("Article", "Note"):
        settings.BLOG_FEDERATE_AS = kind
        assert check_federate_as() == []
