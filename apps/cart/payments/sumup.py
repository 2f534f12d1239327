"""
A client for SumUp's Checkouts API, through ``apps.core.outbound.http_client`` like every outbound call.

It knows SumUp's shapes and nothing of orders: ``paying`` and ``refunds`` decide what an answer means. Any
failure to get a usable answer (a timeout, a 5xx, a body that is not a checkout) is ``SumUpError``,
so no caller can mistake "SumUp did not say" for "SumUp said no". See
/work/shared/reference/payments-and-content.md for the fields used here.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings

from apps.core.outbound import http_client

__all__ = ["Checkout", "SumUpError", "create_checkout", "find_checkout", "get_checkout", "refund"]

DEADLINE = 15  # seconds for one call, connecting included: a buyer or a webhook is waiting


class SumUpError(Exception):
    """SumUp could not be asked, or answered something we cannot use."""


@dataclass(frozen=True)
class Checkout:
    id: str
    reference: str
    amount: Decimal | None
    currency: str
    status: str
    merchant_code: str = ""
    hosted_checkout_url: str = ""
    #: The id of the successful transaction, once paid (what a refund names).
    transaction_id: str = ""


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
    except InvalidOperation:
        return None


def parse_checkout(data) -> Checkout:
    """Return the ``Checkout`` in SumUp's JSON, ignoring keys we do not use; refuse anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise SumUpError("SumUp answered something that is not a checkout.")
    transactions = data.get("transactions") if isinstance(data.get("transactions"), list) else []
    successful = [t for t in transactions if isinstance(t, dict) and t.get("status") == "SUCCESSFUL"]
    return Checkout(
        id=data["id"],
        reference=str(data.get("checkout_reference") or ""),
        amount=_amount(data.get("amount")),
        currency=str(data.get("currency") or ""),
        status=str(data.get("status") or ""),
        merchant_code=str(data.get("merchant_code") or ""),
        hosted_checkout_url=str(data.get("hosted_checkout_url") or ""),
        transaction_id=str(
            (successful[0].get("id") or successful[0].get("transaction_code") or "") if successful else ""
        ),
    )


def _call(method: str, path: str, body: dict | None = None) -> http_client.Response:
    headers = {"Authorization": f"Bearer {settings.SUMUP_API_KEY}", "Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    try:
        return http_client.request(
            method, settings.SUMUP_API_URL.rstrip("/") + path, headers=headers, data=data, deadline=DEADLINE
        )
    except http_client.HttpClientError as exc:
        raise SumUpError(f"SumUp could not be reached: {exc}") from exc


def _json(response: http_client.Response):
    try:
        return json.loads(response.content)
    except ValueError:
        raise SumUpError(f"SumUp answered {response.status} with a body that is not JSON.") from None


def create_checkout(
    *,
    reference: str,
    amount: Decimal,
    currency: str,
    description: str,
    return_url: str,
    redirect_url: str,
    valid_until: datetime | None = None,
) -> Checkout:
    """
    Create a hosted checkout for one payment attempt; a duplicate reference recovers the existing one.

    ``valid_until`` (the order's expiry) keeps SumUp from taking a payment for an order we cancelled.
    """
    response = _call(
        "POST",
        "/v0.1/checkouts",
        {
            "checkout_reference": reference,
            "amount": float(amount),
            "currency": currency,
            "merchant_code": settings.SUMUP_MERCHANT_CODE,
            "description": description,
            "return_url": return_url,
            "redirect_url": redirect_url,
            "hosted_checkout": {"enabled": True},
            **({"valid_until": valid_until.isoformat(timespec="seconds")} if valid_until else {}),
        },
    )
    if response.status == 409:
        found = find_checkout(reference)
        if found is None:
            raise SumUpError(f"SumUp says checkout {reference} exists but does not list it.")
        return found
    if response.status not in (200, 201):
        raise SumUpError(f"SumUp refused the checkout with status {response.status}.")
    return parse_checkout(_json(response))


def get_checkout(checkout_id: str) -> Checkout:
    response = _call("GET", f"/v0.1/checkouts/{checkout_id}")
    if response.status != 200:
        raise SumUpError(f"SumUp answered {response.status} for checkout {checkout_id}.")
    return parse_checkout(_json(response))


def find_checkout(reference: str) -> Checkout | None:
    response = _call("GET", "/v0.1/checkouts?" + urlencode({"checkout_reference": reference}))
    if response.status != 200:
        raise SumUpError(f"SumUp answered {response.status} looking for checkout {reference}.")
    found = _json(response)
    found = found if isinstance(found, list) else [found]
    matching = [item for item in found if isinstance(item, dict) and item.get("checkout_reference") == reference]
    return parse_checkout(matching[0]) if matching else None


def refund(transaction_id: str, amount: Decimal | None) -> None:
    """Refund a transaction, in full (``amount`` None) or in part; raise unless SumUp accepts."""
    body = {"amount": float(amount)} if amount is not None else {}
    response = _call("POST", f"/v1.0/merchants/{settings.SUMUP_MERCHANT_CODE}/payments/{transaction_id}/refunds", body)
    if response.status not in (200, 201, 202, 204):
        raise SumUpError(f"SumUp refused the refund with status {response.status}.")
