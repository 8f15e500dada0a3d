"""One typed settings object: environment (prefix MINQING_) and DATABASE_URL, which wins."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# CGCS2000 geographic: the government's datum, within centimetres of WGS84.
PROJECT_SRID = 4490
CHINA_TZ = "Asia/Shanghai"


class Settings(BaseSettings):
    """Settings read from the environment and an optional `.env` file in the project root."""

    model_config = SettingsConfigDict(
        env_prefix="MINQING_", env_file=PROJECT_ROOT / ".env", extra="ignore"
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MINQING_DATABASE_URL")
    )
    # The pages' login (docs/security.md): its own URL, or the password of `minqing_app` on the
    # server of DATABASE_URL (the owner's URL, used only by migrations and the command line).
    app_database_url: str | None = None
    app_password: str | None = None
    state_dir: Path = PROJECT_ROOT / ".minqing"
    local_db_port: int = 54329
    local_db_name: str = "minqing"
    pool_min: int = 1
    pool_max: int = 8
    basemap_url: str | None = None
    basemap_attribution: str = ""
    city_code: str = "620100"
    # Sign-in (docs/auth.md): sessions end after this long idle, or this long after sign-in.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Failed sign-ins from one address (docs/auth.md): free ones, then waits of the delay
    # doubling up to the maximum, counted over the window; and a ceiling for all addresses.
    login_delay_seconds: float = 1.0
    login_free_failures: int = 5
    login_max_delay_seconds: float = 300.0
    login_window_minutes: int = 15
    login_overall_per_minute: int = 100
    # SSO gateway: the header naming the signed-in user, honoured only from these addresses
    # (comma-separated IP addresses or networks, e.g. "10.1.2.3,10.8.0.0/16").
    trusted_header: str | None = None
    trusted_proxies: str = ""

    @property
    def uses_local_cluster(self) -> bool:
        """True when no DATABASE_URL is given and the project runs its own PostgreSQL."""
        return not self.database_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


_USERINFO_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def hide_password(text: str) -> str:
    """A URL or driver message with any password replaced by '***', for messages and logs."""
    try:
        parts = urlsplit(text)
        if parts.password is not None and " " not in text:
            host = parts.netloc.rsplit("@", 1)[-1]
            return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    except ValueError:
        pass
    text = _USERINFO_PASSWORD.sub(r"\1***@", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


# What each setting means, in Chinese and English (the admin page's third column).
MEANINGS: dict[str, tuple[str, str]] = {
    "database_url": (
        "数据库所有者的连接地址（迁移与命令行使用）",
        "The owner's database URL (migrations, command line)",
    ),
    "app_database_url": (
        "页面所用的数据库连接地址（minqing_app 角色）",
        "The pages' database URL (the minqing_app role)",
    ),
    "app_password": ("minqing_app 角色的密码", "The password of the minqing_app role"),
    "state_dir": ("本地数据库与运行状态的目录", "Directory of the local database and run state"),
    "local_db_port": ("本地数据库的端口", "Port of the local database"),
    "local_db_name": ("本地数据库的名称", "Name of the local database"),
    "pool_min": ("连接池最少连接数", "Fewest pooled connections"),
    "pool_max": ("连接池最多连接数", "Most pooled connections"),
    "basemap_url": ("底图瓦片地址（不设则无底图）", "Basemap tile URL (none: no basemap)"),
    "basemap_attribution": ("底图署名", "Basemap attribution"),
    "city_code": ("本市的区域编码", "The city's area code"),
    "session_idle_minutes": ("闲置多少分钟后登录失效", "Minutes idle before a session ends"),
    "session_absolute_hours": ("登录后最长有效小时数", "Hours after sign-in before a session ends"),
    "login_delay_seconds": (
        "登录失败后的首次等待秒数（之后加倍）",
        "First wait after failed sign-ins (seconds, then doubling)",
    ),
    "login_free_failures": (
        "同一地址可失败几次而不等待",
        "Failures from one address before waits start",
    ),
    "login_max_delay_seconds": (
        "登录等待的最长秒数",
        "Longest wait between sign-in attempts (seconds)",
    ),
    "login_window_minutes": (
        "统计登录失败的时间窗（分钟）",
        "Window in which failures count (minutes)",
    ),
    "login_overall_per_minute": (
        "全部地址每分钟最多登录失败次数",
        "Most failed sign-ins per minute, all addresses",
    ),
    "trusted_header": (
        "统一身份认证网关传递用户名的请求头",
        "Header in which the SSO gateway names the user",
    ),
    "trusted_proxies": (
        "可信的网关或代理地址（逗号分隔）",
        "Trusted gateway or proxy addresses (comma-separated)",
    ),
}


def settings_summary(settings: Settings, lang: str = "zh") -> list[tuple[str, str, str]]:
    """Each setting's environment variable, value (passwords hidden) and meaning in the
    language, for the admin page."""
    rows = []
    for name, value in settings.model_dump().items():
        variable = "DATABASE_URL" if name == "database_url" else f"MINQING_{name.upper()}"
        shown = "" if value is None else str(value)
        if name == "app_password" and value:
            shown = "***"
        elif name in ("database_url", "app_database_url"):
            shown = hide_password(shown)
        zh, en = MEANINGS.get(name, ("", ""))
        rows.append((variable, shown, zh if lang == "zh" else en))
    return rows
