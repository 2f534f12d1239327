"""
SumUp for the tests: the Checkouts API on a real local HTTP server (pytest-httpserver), answering
in SumUp's shapes. The test changes a checkout's state (``pay``, ``fail``...) as the buyer's card
would, then sends the webhook SumUp would send.
"""

import json
import re
import threading
import time
from decimal import Decimal

from werkzeug import Response

MERCHANT = "MTEST42"
KEY = "sk_test_0123456789"
CHECKOUT = re.compile(r"^/v0\.1/checkouts/([\w-]+)$")
REFUND = re.compile(rf"^/v1\.0/merchants/{MERCHANT}/payments/([\w-]+)/refunds$")


class FakeSumUp:
    """Checkouts by id; ``requests`` records (method, path, body); ``broken`` makes every answer a 500."""

    def __init__(self, httpserver):
        self.checkouts = {}
        self.refunds = []
        self.requests = []
        self.broken = False
        self.delay = 0.0
        self.lock = threading.Lock()
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request):
        body = json.loads(request.get_data() or b"null")
        with self.lock:
            self.requests.append((request.method, request.path, body))
        if self.delay:
            time.sleep(self.delay)
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return self.json({"error_code": "NOT_AUTHORIZED"}, 401)
        if self.broken:
            return self.json({"error_code": "INTERNAL"}, 500)
        if request.method == "POST" and request.path == "/v0.1/checkouts":
            return self.create(body)
        if request.method == "GET" and request.path == "/v0.1/checkouts":
            reference = request.args.get("checkout_reference")
            return self.json([c for c in self.checkouts.values() if c["checkout_reference"] == reference])
        if request.method == "GET" and (match := CHECKOUT.match(request.path)):
            checkout = self.checkouts.get(match[1])
            return self.json(checkout) if checkout else self.json({"error_code": "NOT_FOUND"}, 404)
        if request.method == "POST" and (match := REFUND.match(request.path)):
            self.refunds.append((match[1], (body or {}).get("amount")))
            return Response(status=204)
        return self.json({"error_code": "NOT_FOUND"}, 404)

    def create(self, body):
        if body.get("merchant_code") != MERCHANT:
            return self.json({"error_code": "INVALID", "param": "merchant_code"}, 400)
        if any(c["checkout_reference"] == body["checkout_reference"] for c in self.checkouts.values()):
            return self.json(
                {"error_code": "DUPLICATED_CHECKOUT", "message": "Checkout with this reference exists"}, 409
            )
        checkout_id = f"co-{len(self.checkouts) + 1:04d}"
        self.checkouts[checkout_id] = {
            "id": checkout_id,
            "checkout_reference": body["checkout_reference"],
            "amount": body["amount"],
            "currency": body["currency"],
            "merchant_code": body["merchant_code"],
            "description": body.get("description", ""),
            "return_url": body.get("return_url"),
            "redirect_url": body.get("redirect_url"),
            "status": "PENDING",
            "date": "2026-12-02T10:00:00.000+00:00",
            "hosted_checkout_url": f"https://checkout.sumup.example/pay/{checkout_id}",
            "transactions": [],
            "sandbox_extra": {"ignored": True},
        }
        return self.json(self.checkouts[checkout_id], 201)

    def set_status(self, checkout_id, status, **changes):
        checkout = self.checkouts[checkout_id]
        checkout.update(status=status, **changes)
        if status == "PAID":
            checkout["transactions"] = [
                {
                    "id": f"tx-{checkout_id}",
                    "transaction_code": "TC1",
                    "status": "SUCCESSFUL",
                    "amount": checkout["amount"],
                }
            ]
        elif status == "FAILED":
            checkout["transactions"] = [{"id": f"txf-{checkout_id}", "status": "FAILED", "amount": checkout["amount"]}]

    @staticmethod
    def json(data, status=200):
        return Response(json.dumps(data, default=str), status=status, content_type="application/json")

    def amount(self, checkout_id):
        return Decimal(str(self.checkouts[checkout_id]["amount"]))
