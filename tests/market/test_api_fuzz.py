"""
The product API fuzzed from its own OpenAPI schema (schemathesis): whatever the query string, no
answer is a server error, and every answer matches the schema it is described by.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from apps.market import services

HOST = {"Host": "market.localhost"}
EXAMPLES = 40  # per operation: about 25 s in all here


@pytest.fixture
def api_schema(db, site_client, make_product, categories, dairy_farm):
    make_product("Heather honey", price="11.00", stock=3, featured=True, image=True)
    hidden = make_product("Clover honey", price="5.50", stock=0)
    make_product("Farm butter", category="dairy", producer=dairy_farm)
    services.set_products_active([hidden.pk], False)
    answer = site_client("market", HTTP_ACCEPT="application/vnd.oai.openapi+json").get("/api/schema/")
    schema = schemathesis.openapi.from_dict(answer.json())
    schema.app = get_wsgi_application()  # in this process: the test's database and its transaction
    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_product_api_answers_every_generated_request_without_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 4  # products and producers, lists and details

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_within_its_schema(case):
            # A string with a NUL character is valid by the schema yet refused (400, named) by design.
            case.call_and_validate(
                headers=HOST, additional_checks=[not_a_server_error], excluded_checks=[positive_data_acceptance]
            )

        answers_within_its_schema()
