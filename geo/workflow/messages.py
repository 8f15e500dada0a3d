"""Why an action was refused, by message key, in Chinese and English."""

from __future__ import annotations

from geo.errors import BilingualError
from geo.vocabulary import CASE_ACTIONS, CASE_ACTIONS_DONE, STATUSES, text_table

MESSAGES: dict[str, dict[str, str]] = {
    "unknown_action": {"zh": "未知的操作：{action}", "en": "unknown action: {action}"},
    "no_case": {"zh": "案件 {case} 不存在", "en": "case {case} does not exist"},
    "unknown_center": {"zh": "未知的中心：{center}", "en": "unknown center: {center}"},
    "not_own_center": {
        "zh": "您只能以本账号所属的中心办理案件，不能以{center}的名义操作",
        "en": "you act only as the center of your account, not as {center}",
    },
    "not_own_name": {
        "zh": "只能以登录用户本人的名义办理案件",
        "en": "a case action is recorded in the name of the signed-in user only",
    },
    "bad_status": {
        "zh": "案件当前状态为「{status}」，不能{action_zh}",
        "en": "the case is {status}: it cannot be {action_en}",
    },
    "not_holder": {
        "zh": "案件由{holder}承办，{center}不能{action_zh}",
        "en": "the case is held by {holder}: {center} cannot act on it",
    },
    "not_above": {
        "zh": "只有{holder}的上级中心可以{action_zh}",
        "en": "only a center above {holder} may do this",
    },
    "not_overdue": {
        "zh": "案件未超期，不能督办",
        "en": "the case is not overdue: supervision is for overdue cases",
    },
    "note_required": {
        "zh": "{action_zh}须填写说明（理由）",
        "en": "a note (the reason) is required: the case cannot be {action_en} without one",
    },
    "note_too_long": {
        "zh": "说明不能超过 {limit} 字",
        "en": "the note is longer than {limit} characters",
    },
    "target_required": {"zh": "请选择目标中心", "en": "choose the target center"},
    "target_not_lower": {
        "zh": "{target}不是承办中心辖区内服务本案所在地的下级中心",
        "en": "{target} is not a center below the holder serving this case's place",
    },
    "target_not_same_level": {
        "zh": "{target}不是同级的其他中心",
        "en": "{target} is not another center at the same level",
    },
    "no_level_above": {
        "zh": "{holder}已是最高一级，无法上报",
        "en": "{holder} is the top level: there is no level above",
    },
    "no_target": {
        "zh": "没有可{action_zh}的目标中心",
        "en": "there is no center to send the case to",
    },
    "no_assigner": {"zh": "找不到交办本案的中心", "en": "no center assigned this case"},
    "bad_reply_by": {
        "zh": "督办限期须晚于当前时间",
        "en": "a supervision's time limit must be in the future",
    },
    "bad_satisfaction": {
        "zh": "回访归档须记录群众评价：满意、基本满意、不满意或未联系上（其他操作不记录）",
        "en": "closing a case records the resident's answer: satisfied, basically satisfied, "
        "dissatisfied or not reached (no other action records one)",
    },
    "bad_result": {
        "zh": "办结结果须为：化解、未化解、撤回",
        "en": "the result must be resolved, unresolved or withdrawn",
    },
}

# The actions' and statuses' names (geo/vocabulary); an action in English as done.
ACTION_NAMES: dict[str, dict[str, str]] = {
    code: {"zh": label.zh, "en": CASE_ACTIONS_DONE[code]} for code, label in CASE_ACTIONS.items()
}
STATUS_NAMES: dict[str, dict[str, str]] = text_table(STATUSES)


class WorkflowRefused(BilingualError):
    """An action that is not allowed: nothing was changed. `text(lang)` gives the reason."""

    default_message = "the action was refused"
    messages = MESSAGES

    def values(self, lang: str) -> dict[str, str]:
        """The parameters, with the action's and the status's names in both languages."""
        values = dict(self.params)
        action = values.get("action", "")
        status = values.get("status", "")
        values["action_zh"] = ACTION_NAMES.get(action, {}).get("zh", action)
        values["action_en"] = ACTION_NAMES.get(action, {}).get("en", action)
        shown = STATUS_NAMES.get(status, {}).get(lang, status)
        values["status"] = shown.lower() if lang == "en" else shown  # within a sentence
        return values
