"""Tables of the monthly mail to the municipalities (migration 0014). They are defined in
scheduler/store/models.py, beside the newsletter's table, so every store and migration check loads them.

`partner_opt_outs`: who unsubscribed through the link in a mail. The contacts file is in Git, so
an opt-out clicked in a mail is kept here; the file's `opt_out` column and this table both count.

`partner_mail_log`: the sent-log of the monthly mail, one row per step (attempt, sent, failed),
committed before the next step; the last row per month and contact tells its state. The impact
report counts the "sent" rows; the quarterly note for quiet municipalities looks them up.
"""

from __future__ import annotations

from scheduler.store.models import PartnerMailLog, PartnerOptOut

__all__ = ["PartnerMailLog", "PartnerOptOut"]
