"""The commission dashboard's cards outside the cached pieces, drawn in Python (issue 14): the page
head, the alarms, the mandatory reports, damaged files and the figures above the grid (`top_html`);
the drafts, the follow-ups short of people and last week's circular (`side_html`). The HTML is byte
for byte what web/dashboard.html drew with the template engine, which cost more than the rest of a
read; the page's frame (base.html) and the cached cards stay in the template.

Every value from the database or a translation goes through `escape`, as autoescaping did.
"""

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from inspection.templatetags.vocabulary import week_dates


def _page_head(county, today) -> str:
    return (f'\n<div class="page-head">\n  <h1>{escape(_("工作台"))}</h1>\n'
            f'  <p class="sub">{escape(county.name)} · {date_filter(today, "Y-m-d")}</p>\n</div>\n\n')


def _alarms(alarms) -> str:
    if not alarms:
        return ""
    lines = "".join(f"<li>{escape(line)}</li>" for line in alarms)
    return ('<section class="msg error alarm" role="alert" aria-labelledby="alarm-h">\n'
            f'  <h2 id="alarm-h">{escape(_("抽签需要处理"))}</h2>\n  <ul>{lines}</ul>\n</section>')


def _reports(reports) -> str:
    if not reports:
        return ""
    url = escape(reverse("web:reports"))
    if reports.get("late"):
        return ('<section class="msg error alarm" role="alert" aria-labelledby="reports-h">\n'
                f'  <h2 id="reports-h">{_("强制报告线索超时未确认接收 %(n)s 条") % {"n": escape(reports["late"])}}</h2>\n'
                f'  <p>{_("待接收确认共 %(o)s 条。") % {"o": escape(reports["open"])}} '
                f'<a href="{url}">{escape(_("查看强制报告"))}</a></p>\n</section>')
    if reports.get("open"):
        return ('<section class="card" aria-labelledby="reports-h">\n  <div class="card-head"><h2 id="reports-h">'
                f'{_("强制报告线索待接收确认 %(n)s 条") % {"n": escape(reports["open"])}}</h2>'
                f'<a class="button small" href="{url}">{escape(_("查看"))}</a></div>\n</section>')
    return ""


def _damaged(count, files) -> str:
    if not count:
        return ""
    items = []
    for d in files:
        found = _("%(t)s 起发现，共 %(n)s 次") % {
            "t": escape(date_filter(template_localtime(d.first_found_at), "Y-m-d H:i")), "n": escape(d.times)}
        missing = "" if d.found_sha256 else f" · {escape(_('文件缺失'))}"
        items.append(f'<li><span class="kind">{escape(d.get_kind_display())}</span> {escape(d.label or d.name)}\n'
                     f'      <span class="meta">{found}{missing}</span></li>')
    hint = _("以下存档文件与签发或上传时记录的 SHA-256 不符（被改动或缺失），系统已拒绝提供。请从备份恢复原文件；恢复后再次读取核验通过即从此处消失。")
    return ('\n<section class="card verify bad" id="damaged" aria-labelledby="damaged-h">\n'
            f'  <div class="card-head"><h2 id="damaged-h">{_("存档文件受损 %(n)s 份") % {"n": escape(count)}}</h2></div>\n'
            f'  <p>{escape(hint)}</p>\n  <ul class="items">\n    {"".join(items)}\n  </ul>\n</section>\n')


def _kpi(css, href, label, value, small="", extra="") -> str:
    small = f"<small>{small}</small>" if small else ""
    return (f'  <a class="kpi{css}" href="{href}">\n    <span class="kpi-label">{escape(label)}</span>\n'
            f'    <span class="kpi-value">{value}{small}</span>\n{extra}  </a>\n')


def _kpis(grid, meter, key_managed, red, yellow, draft_count) -> str:
    notices = escape(reverse("web:notices")) + "?state=draft"
    return (f'\n<section class="kpis" aria-label="{escape(_("概况"))}">\n'
            + _kpi("", "#coverage", _("本期覆盖"), grid.covered, f"/{grid.total}", f"    {meter}\n")
            + _kpi(" warn" if grid.overdue or grid.near else "", "#coverage", _("临近期限 / 逾期未查"), grid.near,
                   f" / {grid.overdue}")
            + _kpi("", "#board", _("重点管理乡镇"), key_managed)
            + _kpi(" alert" if red else "", "#board", _("整改红灯 / 黄灯"), red, f" / {yellow}")
            + _kpi(" warn" if draft_count else "", notices, _("待印发文书"), draft_count)
            + "</section>\n\n")


def top_html(c: dict) -> str:
    """Everything web/dashboard.html shows above the coverage grid, from its context `c`."""
    return (_page_head(c["county"], c["today"]) + _alarms(c["alarms"]) + "\n" + _reports(c["reports"])
            + "\n" + _damaged(c["damaged_count"], c["damaged_files"]) + "\n"
            + _kpis(c["grid"], c["coverage_meter"], c["key_managed"], c["red"], c["yellow"], c["draft_count"]))


def _drafts(drafts, draft_count, counts) -> str:
    notices = escape(reverse("web:notices"))
    more = (f'<a class="more" href="{notices}?state=draft">{_("全部 %(n)s 件") % {"n": escape(draft_count)}} ›</a>'
            if draft_count else "")
    if drafts:
        md = _("n月j日")
        items = "".join(
            f'<li><a href="{escape(reverse("web:notice", args=[n.id]))}"><span class="kind k-{escape(n.kind)}">'
            f'{escape(n.get_kind_display())}</span> {escape(n.township and n.township.name or _("全市"))}</a>\n'
            f'      <span class="meta">{_("%(d)s暗查") % {"d": escape(date_filter(n.inspection.date, md))} if n.inspection else ""}'
            "</span></li>" for n in drafts)
        listed = f'<ul class="items">\n    {items}\n  </ul>'
    else:
        listed = f'<p class="empty">{escape(_("没有待印发的文书。"))}</p>'
    waiting = ""
    if counts["unacknowledged"] or counts["responded"]:
        said = _("已印发未签收 %(a)s 件；整改报告待审核 %(r)s 件。") % {
            "a": escape(counts["unacknowledged"]), "r": escape(counts["responded"])}
        waiting = (f'\n  <p class="meta">{said}\n  <a href="{notices}?state=responded">'
                   f'{escape(_("审核整改报告"))} ›</a></p>')
    return ('<section class="card" aria-labelledby="drafts-h">\n  <div class="card-head"><h2 id="drafts-h">'
            f'{escape(_("待印发文书"))}</h2>\n  {more}</div>\n  {listed}\n  {waiting}\n</section>\n\n')


def _understaffed(follow_ups) -> str:
    if not follow_ups:
        return ""
    items = "".join(
        f'<li><a href="{escape(reverse("web:township", args=[f.township.code]))}">{escape(f.township.name)}</a>\n'
        f'      <span class="meta">{_("需 %(n)s 人，现有 %(k)s 人") % {"n": escape(f.needed), "k": escape(f.team_count)}}'
        "</span></li>" for f in follow_ups)
    return ('<section class="card" id="understaffed" aria-labelledby="understaffed-h">\n  <div class="card-head">'
            f'<h2 id="understaffed-h">{escape(_("回头看人员不足"))}</h2></div>\n'
            f'  <p class="meta">{escape(_("回避后可派督查人员不足每组人数，请增派人员或另行安排。"))}</p>\n'
            f'  <ul class="items">\n    {items}\n  </ul>\n</section>\n\n')


def _circular(circular, week, csrf_token) -> str:
    head = _("上周通报（%(w)s）") % {"w": escape(week_dates(week))}
    if circular:
        summary = circular.snapshot.get("summary")
        said = ""
        if summary:
            said = " · " + _("%(n)s 次暗查，平均 %(a)s 分") % {
                "n": escape(localize(summary.get("inspections", ""))), "a": escape(localize(summary.get("average_score", "")))}
        body = (f'\n  <p><a href="{escape(reverse("web:notice", args=[circular.id]))}"><span class="kind k-circular">'
                f'{escape(circular.get_kind_display())}</span> {escape(circular.number_text or _("草稿"))}</a></p>\n'
                f'  <p class="meta"><span class="state s-{escape(circular.state)}">{escape(circular.get_state_display())}'
                f'</span>{said}</p>\n  ')
    else:
        body = (f'\n  <p class="empty">{escape(_("尚未起草。"))}</p>\n  <form method="post" action="'
                f'{escape(reverse("web:circular_draft"))}"><input type="hidden" name="csrfmiddlewaretoken" '
                f'value="{escape(csrf_token)}"><input type="hidden" name="week" value="{escape(week)}">'
                f'<button type="submit" class="secondary">{escape(_("起草通报"))}</button></form>\n  ')
    return (f'<section class="card" aria-labelledby="circular-h">\n  <div class="card-head"><h2 id="circular-h">{head}'
            f'</h2></div>\n  {body}\n</section>\n\n')


def side_html(c: dict, csrf_token: str) -> str:
    """The cards of the right-hand column above the planner's (cached) card, from the context `c`;
    `csrf_token` for the form that drafts the circular."""
    return (_drafts(c["drafts"], c["draft_count"], c["notice_counts"]) + _understaffed(c["understaffed"])
            + _circular(c["circular"], c["circular_week"], csrf_token))
