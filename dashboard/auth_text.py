"""Interface text of sign-in, the role check and the admin pages (Chinese, English)."""

from __future__ import annotations

TABLE: dict[str, dict[str, str]] = {
    "page_login": {"zh": "登录", "en": "Sign in"},
    "page_users": {"zh": "用户管理", "en": "Users"},
    "page_audit": {"zh": "审计日志", "en": "Audit log"},
    "login_title": {"zh": "民情地图 · 登录", "en": "Minqing Map · Sign in"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出登录", "en": "Sign out"},
    "bad_login": {"zh": "用户名或密码错误。", "en": "Wrong username or password."},
    "locked": {
        "zh": "登录失败次数过多，账户已锁定，请于 {until} 后再试。",
        "en": "Too many failed sign-ins: the account is locked until {until}.",
    },
    "expired": {
        "zh": "登录已过期或已失效，请重新登录。",
        "en": "Your session has expired or ended. Please sign in again.",
    },
    "sso_unknown": {
        "zh": "统一身份认证用户 {name} 未在本系统开通，请联系管理员。",
        "en": "The single sign-on user {name} has no account here. Ask an administrator.",
    },
    "signed_in_as": {"zh": "当前用户", "en": "Signed in as"},
    "denied": {
        "zh": "您的角色无权访问此页面。",
        "en": "Your role may not open this page.",
    },
    "role_operator": {"zh": "话务/受理员", "en": "Operator"},
    "role_leader": {"zh": "领导", "en": "Leader"},
    "role_gis_staff": {"zh": "GIS 人员", "en": "GIS staff"},
    "role_admin": {"zh": "管理员", "en": "Administrator"},
    "level_city": {"zh": "市级", "en": "City"},
    "level_district": {"zh": "区县", "en": "District"},
    "level_street": {"zh": "街道", "en": "Street"},
    "level_community": {"zh": "社区", "en": "Community"},
}
