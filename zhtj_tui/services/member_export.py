"""Export of a subtree's active members (R-MEM-2 columns), a page at a time so that memory
stays flat however many members there are. ID and mobile numbers are masked unless the
caller asks for full numbers; every export is in the audit log (without personal data)."""

from __future__ import annotations

from collections.abc import Iterator

from pony.orm import select

from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.vocab import (
    STATUS_NORMAL,
    education_levels,
    ethnic_groups,
    league_posts,
    political_statuses,
)
from zhtj_tui.services.base import ServiceBase, subtree_upper
from zhtj_tui.services.dto import Actor

HEADERS = ("所在团支部", "姓名", "性别", "出生日期", "身份证号码", "民族", "政治面貌", "入团年月", "学历",
           "手机号码", "团员编号", "团内职务", "入团时所在单位", "备注")
WIDTHS = (28, 10, 6, 12, 22, 10, 20, 10, 14, 14, 16, 12, 24, 24)
PAGE = 2000


class MemberExportService(ServiceBase):
    def start(self, actor: Actor, org_id: int, full_ids: bool = False) -> tuple[str, int]:
        """Check the actor may see ``org_id``, record the export, and return the
        organisation's name and the number of members the export will hold."""

        def run():
            org = self.visible_org(actor, org_id)
            lo, hi = org.path, subtree_upper(org.path)
            n = select(m for m in self.s.Member if m.path >= lo and m.path < hi and m.status == STATUS_NORMAL).count()
            self.audit(actor, "member.export", "org", org.id, org, after={"members": n, "full_ids": full_ids})
            return org.short_name, n

        return self.write(run)

    def rows(self, actor: Actor, org_id: int, full_ids: bool = False) -> Iterator[tuple]:
        """The export's rows (``HEADERS`` order), branch by branch in entry order; one read
        session per page (keyset on path, id). Raw SQL: the mapper's per-value conversion
        cost more than the whole workbook's writing."""
        org = self.read(lambda: self.visible_org(actor, org_id).path)
        lo, hi = org, subtree_upper(org)
        eth, pol, edu, post = ethnic_groups(), political_statuses(), education_levels(), league_posts()
        eth_n = {i.code: i.name for i in eth}
        pol_n = {i.code: i.name for i in pol}
        edu_n = {i.code: i.name for i in edu}
        post_n = {i.code: i.name for i in post}
        sql = (
            "SELECT m.path, m.id, o.short_name, m.name, m.sex, m.birth_date, m.id_number, m.ethnic, m.political,"
            " m.join_month, m.education, m.mobile, m.member_no, m.post, m.post_name, m.join_unit, m.note"
            " FROM member m JOIN org o ON o.id = m.branch"
            " WHERE m.path >= $p AND m.path < $hi AND m.active_id IS NOT NULL"
            " AND (m.path > $p OR m.id > $last) ORDER BY m.path, m.id LIMIT $page"
        )
        after: tuple = (lo, 0)
        while True:
            def page(after=after):
                p, last = after
                return self.s.db.select(sql, {}, {"p": p, "hi": hi, "last": last, "page": PAGE})

            batch = self.read(page)
            for (_path, _mid, branch, name, sex, birth, idn, e, pl, jm, ed, mob, no, pst, pst_name, unit,
                 note) in batch:
                yield (
                    branch, name, sex, birth, idn if full_ids else mask_id_number(idn), eth_n.get(e, ""),
                    pol_n.get(pl, ""), jm, edu_n.get(ed, ""), mob if full_ids else mask_mobile(mob), no or "",
                    (pst_name or post_n.get(pst, "")) if pst else "", unit or "", note or "",
                )
            if len(batch) < PAGE:
                return
            after = (batch[-1][0], batch[-1][1])
