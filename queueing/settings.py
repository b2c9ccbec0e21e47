"""QUEUEING_* environment, read once into a typed, frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    redis_url: str
    secret_key: str
    rate_limit: int = 30  # anonymous creating requests per client per minute; 0 turns it off
    token_minutes: int = 12 * 60  # a staff shift and some
    # Abuse limits (docs/security.md). Proxies whose X-Forwarded-For is believed: IPs or CIDRs.
    trusted_proxies: str = ""
    sign_in_throttle: bool = True  # lock-outs after failed sign-ins; off only for the bench
    code_attempts_per_booking: int = 10  # wrong booking codes per booking per hour
    code_attempts_per_client: int = 20  # wrong booking codes per client per 10 minutes
    log_format: str = "console"
    log_level: str = "INFO"
    relay_interval_seconds: float = 2.0
    body_timeout_seconds: float = 10.0  # a request body must arrive whole within this, or 408
    data_dir: Path = field(default_factory=lambda: Path(".queueing"))
    demo_password: str | None = None
    # Messages (docs/notifications.md). No SMTP host or SMS URL: that channel is off.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "Palvelutori <noreply@queueing.invalid>"
    sms_url: str | None = None
    sms_auth_header: str | None = None  # "Authorization: Bearer ..." sent as is
    sms_body_template: str = '{"to": {to}, "text": {text}, "reference": {reference}}'
    sms_idempotency_header: str = "Idempotency-Key"  # empty: the gateway cannot de-duplicate
    public_url: str = "http://127.0.0.1:8000"  # links in messages
    web_push: bool = True  # VAPID keys made on first start; push offered to mobile tickets
    vapid_subject: str = "mailto:noreply@queueing.invalid"  # who push services may contact
    push_insecure_endpoints: bool = False  # http:// and internal push endpoints (tests only)
    reminder_offsets: str = "24h,2h"
    reminder_min_lead_seconds: int = 3600  # no reminder due sooner than this after booking
    turn_near_position: int = 3  # site default when a customer gives a contact but no position
    max_calls: int = 3  # calls (first call + recalls) before a no-show becomes automatic
    no_show_after_minutes: float = 5.0
    day_close_grace_minutes: int = 30  # after the site's last closing time
    retention_visit_days: int = 30
    retention_appointment_days: int = 90
    retention_audit_days: int = 730  # who read or changed what; no personal data inside
    outbox_lease_seconds: int = 120
    outbox_max_attempts: int = 6
    outbox_retry_seconds: float = 10.0  # first backoff; tripled per attempt
    reconcile_interval_seconds: int = 60
    # How long a process trusts its cached site configuration with no change heard of
    # (sites/cache.py: changes are announced at once; this only bounds a missed announcement).
    config_cache_seconds: float = 5.0
    # PostgreSQL connections a process keeps open (no overflow: see db.Database).
    database_pool_size: int = 20
    # Readiness (docs/operations.md): a worker's heartbeat is required unless none is deployed;
    # the oldest queued job may wait this long before the service counts as behind.
    ready_requires_worker: bool = True
    ready_backlog_seconds: float = 60.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def from_env(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from QUEUEING_* variables; `overrides` (from the command line) win."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("QUEUEING_DATA_DIR", ".queueing"))
    values: dict[str, object] = {
        "database_url": env.get("QUEUEING_DATABASE_URL", default_database_url(data_dir)),
        "redis_url": env.get("QUEUEING_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "secret_key": env.get("QUEUEING_SECRET_KEY", ""),
        "rate_limit": int(env.get("QUEUEING_RATE_LIMIT", "30")),
        "token_minutes": int(env.get("QUEUEING_TOKEN_MINUTES", str(12 * 60))),
        "log_format": env.get("QUEUEING_LOG_FORMAT", "console"),
        "log_level": env.get("QUEUEING_LOG_LEVEL", "INFO"),
        "relay_interval_seconds": float(env.get("QUEUEING_RELAY_INTERVAL", "2")),
        "body_timeout_seconds": float(env.get("QUEUEING_BODY_TIMEOUT_SECONDS", "10")),
        "data_dir": data_dir,
        "demo_password": env.get("QUEUEING_DEMO_PASSWORD") or None,
        **_messaging(env),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)  # type: ignore[arg-type]


def _messaging(env: dict[str, str]) -> dict[str, object]:
    """The QUEUEING_SMTP_*, SMS_*, reminder, retention, outbox and limit settings present."""
    read: dict[str, tuple[str, type]] = {
        "smtp_host": ("QUEUEING_SMTP_HOST", str),
        "smtp_port": ("QUEUEING_SMTP_PORT", int),
        "smtp_username": ("QUEUEING_SMTP_USERNAME", str),
        "smtp_password": ("QUEUEING_SMTP_PASSWORD", str),
        "smtp_starttls": ("QUEUEING_SMTP_STARTTLS", bool),
        "smtp_sender": ("QUEUEING_SMTP_SENDER", str),
        "sms_url": ("QUEUEING_SMS_URL", str),
        "sms_auth_header": ("QUEUEING_SMS_AUTH_HEADER", str),
        "sms_body_template": ("QUEUEING_SMS_BODY_TEMPLATE", str),
        "sms_idempotency_header": ("QUEUEING_SMS_IDEMPOTENCY_HEADER", str),
        "public_url": ("QUEUEING_PUBLIC_URL", str),
        "web_push": ("QUEUEING_WEB_PUSH", bool),
        "vapid_subject": ("QUEUEING_VAPID_SUBJECT", str),
        "push_insecure_endpoints": ("QUEUEING_PUSH_INSECURE_ENDPOINTS", bool),
        "reminder_offsets": ("QUEUEING_REMINDER_OFFSETS", str),
        "reminder_min_lead_seconds": ("QUEUEING_REMINDER_MIN_LEAD_SECONDS", int),
        "turn_near_position": ("QUEUEING_TURN_NEAR_POSITION", int),
        "max_calls": ("QUEUEING_MAX_CALLS", int),
        "no_show_after_minutes": ("QUEUEING_NO_SHOW_AFTER_MINUTES", float),
        "day_close_grace_minutes": ("QUEUEING_DAY_CLOSE_GRACE_MINUTES", int),
        "retention_visit_days": ("QUEUEING_RETENTION_VISIT_DAYS", int),
        "retention_appointment_days": ("QUEUEING_RETENTION_APPOINTMENT_DAYS", int),
        "retention_audit_days": ("QUEUEING_RETENTION_AUDIT_DAYS", int),
        "outbox_lease_seconds": ("QUEUEING_OUTBOX_LEASE_SECONDS", int),
        "outbox_max_attempts": ("QUEUEING_OUTBOX_MAX_ATTEMPTS", int),
        "outbox_retry_seconds": ("QUEUEING_OUTBOX_RETRY_SECONDS", float),
        "reconcile_interval_seconds": ("QUEUEING_RECONCILE_INTERVAL", int),
        "config_cache_seconds": ("QUEUEING_CONFIG_CACHE_SECONDS", float),
        "database_pool_size": ("QUEUEING_DATABASE_POOL_SIZE", int),
        "trusted_proxies": ("QUEUEING_TRUSTED_PROXIES", str),
        "sign_in_throttle": ("QUEUEING_SIGN_IN_THROTTLE", bool),
        "code_attempts_per_booking": ("QUEUEING_CODE_ATTEMPTS_PER_BOOKING", int),
        "code_attempts_per_client": ("QUEUEING_CODE_ATTEMPTS_PER_CLIENT", int),
        "ready_requires_worker": ("QUEUEING_READY_REQUIRES_WORKER", bool),
        "ready_backlog_seconds": ("QUEUEING_READY_BACKLOG_SECONDS", float),
    }
    values: dict[str, object] = {}
    for name, (variable, kind) in read.items():
        if variable in env:
            raw = env[variable]
            values[name] = raw.lower() in ("1", "true", "yes") if kind is bool else kind(raw)
    return values


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir.resolve() / 'queueing.db'}"
