"""Background work of webhooks: one attempt per task, and the sweep that sends retries when due."""

from __future__ import annotations

from studio.webhooks import services


def deliver_webhook(delivery_id: int) -> bool:
    """Makes one attempt at the delivery when it is due; returns whether an attempt was made."""
    return services.deliver(delivery_id=delivery_id) is not None


def retry_due_webhooks() -> int:
    """Queues the deliveries whose retry is due (run every minute by the queue's scheduler)."""
    return services.retry_due_deliveries()
