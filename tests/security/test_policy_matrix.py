"""The policy against a hand-written matrix of the domain's rules (docs: DOMAIN.md, "Who uses it" and §1-2).

Each row is (rule, actor, object, expected), written from the domain, never read from the rule registry; a rule
added without rows here fails ``test_every_rule_has_hand_written_expectations``.

The actors and objects are the world of ``conftest.py``: branch A's clerk ``frontline_a`` is the account manager
of ``customer_a`` (and, oddly, of branch B's ``customer_b2``), owns ``visit_plan_a`` and proposed ``plan_a``;
``frontline_a2`` is another clerk of branch A; ``manager_a`` proposed ``plan_by_manager_a`` and uploaded
``batch_a``; ``plan_by_gm`` was proposed by the general manager. Branch B handles ``complaint_x`` of branch A's
``customer_a`` (intake is company-wide), so branch B may read that customer; ``customer_a2`` it does not serve.
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from crm_site.org.policy import can
from customers.models import Customer
from customers.rules import see_phone_filter

pytestmark = pytest.mark.django_db

MATRIX = [
    # --- Lists and pages without an object ------------------------------------------------------------------------
    # Every member of staff opens the complaint and customer lists (scoped to what they may see); nobody else.
    ("complaint.list", "frontline_a", None, True),
    ("complaint.list", "manager_b", None, True),
    ("complaint.list", "gm", None, True),
    ("complaint.list", "admin", None, True),
    ("complaint.list", "norole", None, False),
    ("complaint.list", "inactive_manager", None, False),
    ("complaint.list", "anonymous", None, False),
    ("customer.list", "frontline_a", None, True),
    ("customer.list", "manager_a", None, True),
    ("customer.list", "gm", None, True),
    ("customer.list", "admin", None, True),
    ("customer.list", "norole", None, False),
    ("customer.list", "inactive_manager", None, False),
    ("customer.list", "anonymous", None, False),
    # Front-line staff log complaints, and managers of a branch too; the complaint belongs to the receiving branch,
    # so someone without a branch cannot; the general manager approves, the admin configures.
    ("complaint.create", "frontline_a", None, True),
    ("complaint.create", "frontline_b", None, True),
    ("complaint.create", "manager_a", None, True),
    ("complaint.create", "frontline_nobranch", None, False),
    ("complaint.create", "gm", None, False),
    ("complaint.create", "admin", None, False),
    ("complaint.create", "norole", None, False),
    ("complaint.create", "inactive_manager", None, False),
    # The approval queue: managers (主管批示) and the general manager (总经理批准).
    ("approval.list", "manager_a", None, True),
    ("approval.list", "manager_b", None, True),
    ("approval.list", "gm", None, True),
    ("approval.list", "frontline_a", None, False),
    ("approval.list", "admin", None, False),
    ("approval.list", "inactive_manager", None, False),
    # Customers are registered by the people who serve them, not by the admin.
    ("customer.create", "frontline_a", None, True),
    ("customer.create", "manager_a", None, True),
    ("customer.create", "gm", None, True),
    ("customer.create", "admin", None, False),
    ("customer.create", "norole", None, False),
    # Visits are planned and recorded by those who serve customers.
    ("visit.list", "frontline_a", None, True),
    ("visit.list", "manager_b", None, True),
    ("visit.list", "gm", None, True),
    ("visit.list", "admin", None, False),
    ("visit.list", "norole", None, False),
    # Bulk transfer when someone leaves: managers and the general manager.
    ("customer.transfer", "manager_a", None, True),
    ("customer.transfer", "gm", None, True),
    ("customer.transfer", "frontline_a", None, False),
    ("customer.transfer", "admin", None, False),
    ("customer.transfer", "inactive_manager", None, False),
    # Transactions are imported by managers, the general manager and the admin.
    ("importbatch.create", "manager_a", None, True),
    ("importbatch.create", "manager_b", None, True),
    ("importbatch.create", "gm", None, True),
    ("importbatch.create", "admin", None, True),
    ("importbatch.create", "frontline_a", None, False),
    ("importbatch.create", "norole", None, False),
    # Value matrix and retention report: managers, the general manager, the admin (company dashboards).
    ("matrix.view", "manager_a", None, True),
    ("matrix.view", "gm", None, True),
    ("matrix.view", "admin", None, True),
    ("matrix.view", "frontline_a", None, False),
    ("matrix.view", "norole", None, False),
    ("retention.view", "manager_b", None, True),
    ("retention.view", "gm", None, True),
    ("retention.view", "admin", None, True),
    ("retention.view", "frontline_b", None, False),
    ("retention.view", "anonymous", None, False),
    # Recomputing the classification: the general manager and the admin only.
    ("classification.run", "gm", None, True),
    ("classification.run", "admin", None, True),
    ("classification.run", "manager_a", None, False),
    ("classification.run", "frontline_a", None, False),
    # Configuration: the admin only (a staff flag, such as manager_a's, is not enough).
    ("config.use", "admin", None, True),
    ("config.use", "manager_a", None, False),
    ("config.use", "gm", None, False),
    ("config.use", "frontline_a", None, False),
    ("config.use", "norole", None, False),
    ("config.use", "anonymous", None, False),
    # Satisfaction (DOMAIN §3): the company's questionnaires are designed by the admin and the general manager;
    # campaigns are sent by them for any segment and by a branch manager for their own branch; the people who phone
    # customers record answers given on the phone; the CSI is read by the admin, the general manager and managers.
    ("survey.design", "admin", None, True),
    ("survey.design", "gm", None, True),
    ("survey.design", "manager_a", None, False),
    ("survey.design", "frontline_a", None, False),
    ("survey.design", "anonymous", None, False),
    ("campaign.create", "admin", None, True),
    ("campaign.create", "gm", None, True),
    ("campaign.create", "manager_a", None, True),
    ("campaign.create", "frontline_a", None, False),
    ("campaign.create", "norole", None, False),
    ("campaign.view", "manager_a", "campaign_a", True),
    ("campaign.view", "manager_b", "campaign_a", False),
    ("campaign.view", "manager_a", "campaign_company", False),
    ("campaign.view", "gm", "campaign_a", True),
    ("campaign.view", "gm", "campaign_company", True),
    ("campaign.view", "admin", "campaign_company", True),
    ("campaign.view", "frontline_a", "campaign_a", False),
    ("campaign.send", "manager_a", "campaign_a", True),
    ("campaign.send", "manager_b", "campaign_a", False),
    ("campaign.send", "manager_a", "campaign_company", False),
    ("campaign.send", "gm", "campaign_company", True),
    ("campaign.send", "frontline_a", "campaign_a", False),
    ("response.record", "frontline_a", "customer_a", True),
    ("response.record", "manager_a", "customer_a", True),
    ("response.record", "frontline_b", "customer_a", False),
    ("response.record", "gm", "customer_b", True),
    ("response.record", "admin", "customer_a", False),
    ("response.record", "inactive_manager", "customer_a", False),
    ("csi.view", "admin", None, True),
    ("csi.view", "gm", None, True),
    ("csi.view", "manager_a", None, True),
    ("csi.view", "frontline_a", None, False),
    ("csi.view", "anonymous", None, False),
    # The mails the complaints mailbox could not read hold anyone's words: the admin looks at them (intake).
    ("intake.mail_review", "admin", None, True),
    ("intake.mail_review", "gm", None, False),
    ("intake.mail_review", "manager_a", None, False),
    ("intake.mail_review", "frontline_a", None, False),
    ("intake.mail_review", "norole", None, False),
    ("intake.mail_review", "anonymous", None, False),
    ("csi.view", "inactive_manager", None, False),
    # Notifications: every member of staff has a list of their own; one notification is its recipient's alone.
    ("notification.list", "frontline_a", None, True),
    ("notification.list", "admin", None, True),
    ("notification.list", "norole", None, False),
    ("notification.list", "anonymous", None, False),
    ("notification.view", "frontline_a", "notification_a", True),
    ("notification.view", "frontline_a2", "notification_a", False),
    ("notification.view", "manager_a", "notification_a", False),
    ("notification.view", "admin", "notification_a", False),
    ("notification.view", "inactive_manager", "notification_a", False),
    ("response.view", "manager_a", "response_a", True),
    ("response.view", "manager_a", "response_b", False),
    ("response.view", "manager_b", "response_b", True),
    ("response.view", "gm", "response_b", True),
    ("response.view", "admin", "response_a", True),
    ("response.view", "frontline_a", "response_a", False),
    ("response.view", "inactive_manager", "response_a", False),
    ("campaign.create", "inactive_manager", None, False),
    ("response.record", "frontline_nobranch", "customer_a", False),
    # /healthz's details and the background jobs in /config/: the people who run the system (besides the local
    # network for /healthz); the general manager runs the business, not the servers.
    ("health.details", "admin", None, True),
    ("health.details", "gm", None, False),
    ("health.details", "manager_a", None, False),
    ("health.details", "frontline_a", None, False),
    ("health.details", "anonymous", None, False),
    # API tokens: everyone with a role makes their own; a token is its owner's, and an admin may revoke any (a leak,
    # a leaver); the API's documentation is for everyone with a role.
    ("api_token.create", "frontline_a", None, True),
    ("api_token.create", "manager_b", None, True),
    ("api_token.create", "gm", None, True),
    ("api_token.create", "admin", None, True),
    ("api_token.create", "norole", None, False),
    ("api_token.create", "inactive_manager", None, False),
    ("api_token.create", "anonymous", None, False),
    ("api_token.manage", "frontline_a", "api_token_a", True),
    ("api_token.manage", "admin", "api_token_a", True),
    ("api_token.manage", "frontline_a2", "api_token_a", False),
    ("api_token.manage", "manager_a", "api_token_a", False),
    ("api_token.manage", "gm", "api_token_a", False),
    ("api_token.manage", "anonymous", "api_token_a", False),
    ("api.docs", "frontline_a", None, True),
    ("api.docs", "manager_b", None, True),
    ("api.docs", "gm", None, True),
    ("api.docs", "admin", None, True),
    ("api.docs", "norole", None, False),
    ("api.docs", "anonymous", None, False),
    ("job.view", "admin", None, True),
    ("job.view", "gm", None, False),
    ("job.view", "manager_a", None, False),
    ("job.view", "anonymous", None, False),
    ("job.retry", "admin", None, True),
    ("job.retry", "gm", None, False),
    ("job.retry", "frontline_a", None, False),
    ("job.retry", "norole", None, False),
    # Exports: everyone with a role lists their own exports and downloads their own files, nobody else's (not
    # even an admin: an export holds what its owner may see); the audit of all exports is the admin's, in /config/.
    ("export.list", "frontline_a", None, True),
    ("export.list", "gm", None, True),
    ("export.list", "norole", None, False),
    ("export.list", "anonymous", None, False),
    ("export.download", "frontline_a", "export_a", True),
    ("export.download", "frontline_a2", "export_a", False),
    ("export.download", "manager_a", "export_a", False),
    ("export.download", "gm", "export_a", False),
    ("export.download", "admin", "export_a", False),
    ("export.download", "norole", "export_a", False),
    ("export.audit", "admin", None, True),
    ("export.audit", "gm", None, False),
    ("export.audit", "manager_a", None, False),
    ("export.audit", "frontline_a", None, False),
    # Logins: an admin gives staff their name, password, branch and one of the four roles; never touches a
    # superuser; never changes their own role or disables themselves (another admin does); only a superuser grants
    # more than a role (superuser, other groups, permissions).
    ("login.change", "admin", "login_frontline_a", True),
    ("login.change", "admin", "login_admin2", True),
    ("login.change", "admin", "login_admin", True),
    ("login.change", "admin", "login_root", False),
    ("login.change", "root", "login_root", True),
    ("login.change", "root", "login_admin", True),
    ("login.change", "manager_a", "login_frontline_a", False),
    ("login.change", "gm", "login_frontline_a", False),
    ("login.change", "anonymous", "login_frontline_a", False),
    ("login.change_access", "admin", "login_frontline_a", True),
    ("login.change_access", "admin", "login_admin2", True),
    ("login.change_access", "admin", "login_admin", False),
    ("login.change_access", "admin", "login_root", False),
    ("login.change_access", "root", "login_admin", True),
    ("login.change_access", "root", "login_root", True),
    ("login.change_access", "manager_a", "login_frontline_a", False),
    ("login.grant_beyond_role", "root", None, True),
    ("login.grant_beyond_role", "admin", None, False),
    ("login.grant_beyond_role", "gm", None, False),
    ("login.grant_beyond_role", "manager_a", None, False),
    # --- Branches -------------------------------------------------------------------------------------------------
    # Acting in a branch: its own staff; company-wide roles span every branch.
    ("branch.act_in", "frontline_a", "branch_a", True),
    ("branch.act_in", "manager_a", "branch_a", True),
    ("branch.act_in", "gm", "branch_a", True),
    ("branch.act_in", "gm", "branch_b", True),
    ("branch.act_in", "admin", "branch_b", True),
    ("branch.act_in", "frontline_b", "branch_a", False),
    ("branch.act_in", "manager_b", "branch_a", False),
    ("branch.act_in", "frontline_nobranch", "branch_a", False),
    ("branch.act_in", "norole", "branch_a", False),
    ("branch.act_in", "inactive_manager", "branch_a", False),
    # Owning customers or visits of a branch: staff who serve customers, of that branch (or the general manager).
    ("customer.own", "frontline_a", "branch_a", True),
    ("customer.own", "manager_a", "branch_a", True),
    ("customer.own", "frontline_b", "branch_b", True),
    ("customer.own", "gm", "branch_b", True),
    ("customer.own", "frontline_a", "branch_b", False),
    ("customer.own", "manager_b", "branch_a", False),
    ("customer.own", "admin", "branch_a", False),
    ("customer.own", "frontline_nobranch", "branch_a", False),
    # --- Complaints -----------------------------------------------------------------------------------------------
    # Seeing a complaint: its branch's staff, the general manager and the admin (company-wide); not another branch,
    # even when the complaint is about one of that branch's customers (complaint_x is branch B's).
    ("complaint.view", "frontline_a", "complaint_a", True),
    ("complaint.view", "frontline_a2", "complaint_a", True),
    ("complaint.view", "manager_a", "complaint_a", True),
    ("complaint.view", "gm", "complaint_a", True),
    ("complaint.view", "admin", "complaint_a", True),
    ("complaint.view", "frontline_b", "complaint_a", False),
    ("complaint.view", "manager_b", "complaint_a", False),
    ("complaint.view", "frontline_nobranch", "complaint_a", False),
    ("complaint.view", "norole", "complaint_a", False),
    ("complaint.view", "inactive_manager", "complaint_a", False),
    ("complaint.view", "anonymous", "complaint_a", False),
    ("complaint.view", "frontline_b", "complaint_x", True),
    ("complaint.view", "manager_b", "complaint_x", True),
    ("complaint.view", "frontline_a", "complaint_x", False),
    ("complaint.view", "manager_a", "complaint_x", False),
    # Working a complaint (steps, plans, answers, remedies, evidence, revisits): front-line staff and managers of
    # its branch; not the general manager, not the admin, not another branch.
    ("complaint.work", "frontline_a", "complaint_a", True),
    ("complaint.work", "frontline_a2", "complaint_a", True),
    ("complaint.work", "manager_a", "complaint_a", True),
    ("complaint.work", "manager_a2", "complaint_a", True),
    ("complaint.work", "gm", "complaint_a", False),
    ("complaint.work", "admin", "complaint_a", False),
    ("complaint.work", "frontline_b", "complaint_a", False),
    ("complaint.work", "manager_b", "complaint_a", False),
    ("complaint.work", "inactive_manager", "complaint_a", False),
    ("complaint.work", "frontline_b", "complaint_x", True),
    ("complaint.work", "manager_b", "complaint_x", True),
    ("complaint.work", "frontline_a", "complaint_x", False),
    ("complaint.work", "manager_a", "complaint_x", False),
    # Notes: the complaint's workers and the general manager.
    ("complaint.note", "frontline_a", "complaint_a", True),
    ("complaint.note", "manager_a", "complaint_a", True),
    ("complaint.note", "gm", "complaint_a", True),
    ("complaint.note", "gm", "complaint_b", True),
    ("complaint.note", "admin", "complaint_a", False),
    ("complaint.note", "frontline_b", "complaint_a", False),
    ("complaint.note", "manager_b", "complaint_a", False),
    ("complaint.note", "frontline_a", "complaint_b", False),
    ("complaint.note", "norole", "complaint_a", False),
    # Reassigning, extending, closing without satisfaction, reopening, archiving: managers of the branch and the
    # general manager; not front-line staff, not the admin, not another branch's manager.
    ("complaint.assign", "manager_a", "complaint_a", True),
    ("complaint.assign", "manager_a2", "complaint_a", True),
    ("complaint.assign", "gm", "complaint_a", True),
    ("complaint.assign", "manager_b", "complaint_b", True),
    ("complaint.assign", "frontline_a", "complaint_a", False),
    ("complaint.assign", "manager_b", "complaint_a", False),
    ("complaint.assign", "admin", "complaint_a", False),
    ("complaint.assign", "inactive_manager", "complaint_a", False),
    ("complaint.extend", "manager_a", "complaint_a", True),
    ("complaint.extend", "gm", "complaint_b", True),
    ("complaint.extend", "manager_b", "complaint_x", True),
    ("complaint.extend", "frontline_a", "complaint_a", False),
    ("complaint.extend", "manager_a", "complaint_x", False),
    ("complaint.extend", "admin", "complaint_a", False),
    ("complaint.force_close", "manager_a", "complaint_a", True),
    ("complaint.force_close", "gm", "complaint_a", True),
    ("complaint.force_close", "frontline_a", "complaint_a", False),
    ("complaint.force_close", "frontline_a2", "complaint_a", False),
    ("complaint.force_close", "manager_b", "complaint_a", False),
    ("complaint.force_close", "admin", "complaint_a", False),
    ("complaint.reopen", "manager_a", "complaint_a", True),
    ("complaint.reopen", "gm", "complaint_b", True),
    ("complaint.reopen", "frontline_a", "complaint_a", False),
    ("complaint.reopen", "manager_a", "complaint_b", False),
    ("complaint.reopen", "admin", "complaint_b", False),
    ("complaint.archive", "manager_a2", "complaint_a", True),
    ("complaint.archive", "gm", "complaint_a", True),
    ("complaint.archive", "frontline_a", "complaint_a", False),
    ("complaint.archive", "manager_b", "complaint_a", False),
    ("complaint.archive", "admin", "complaint_a", False),
    # --- Plans ----------------------------------------------------------------------------------------------------
    # 主管批示: a manager of the complaint's branch, or the general manager stepping in; nobody on their own plan.
    ("plan.decide", "manager_a", "plan_a", True),
    ("plan.decide", "manager_a2", "plan_a", True),
    ("plan.decide", "gm", "plan_a", True),
    ("plan.decide", "frontline_a", "plan_a", False),
    ("plan.decide", "frontline_a2", "plan_a", False),
    ("plan.decide", "manager_b", "plan_a", False),
    ("plan.decide", "admin", "plan_a", False),
    ("plan.decide", "inactive_manager", "plan_a", False),
    ("plan.decide", "manager_a", "plan_by_manager_a", False),
    ("plan.decide", "manager_a2", "plan_by_manager_a", True),
    ("plan.decide", "gm", "plan_by_manager_a", True),
    ("plan.decide", "gm", "plan_by_gm", False),
    ("plan.decide", "manager_a", "plan_by_gm", True),
    ("plan.decide", "manager_b", "plan_b", True),
    ("plan.decide", "manager_a", "plan_b", False),
    ("plan.decide", "gm", "plan_b", True),
    # 总经理批准: the general manager only, and not on their own plan.
    ("plan.decide_gm", "gm", "plan_a", True),
    ("plan.decide_gm", "gm", "plan_b", True),
    ("plan.decide_gm", "gm", "plan_by_manager_a", True),
    ("plan.decide_gm", "gm", "plan_by_gm", False),
    ("plan.decide_gm", "manager_a", "plan_a", False),
    ("plan.decide_gm", "manager_a2", "plan_by_manager_a", False),
    ("plan.decide_gm", "admin", "plan_a", False),
    ("plan.decide_gm", "frontline_a", "plan_b", False),
    # --- Customers ------------------------------------------------------------------------------------------------
    # Reading a customer: its branch's staff and the company-wide roles; another branch only while it handles one of
    # the customer's complaints (customer_a, through complaint_x), and never the unserved customer_a2.
    ("customer.view", "frontline_a", "customer_a", True),
    ("customer.view", "frontline_a2", "customer_a", True),
    ("customer.view", "manager_a", "customer_a", True),
    ("customer.view", "gm", "customer_a", True),
    ("customer.view", "admin", "customer_a", True),
    ("customer.view", "frontline_b", "customer_a", True),
    ("customer.view", "manager_b", "customer_a", True),
    ("customer.view", "frontline_b", "customer_a2", False),
    ("customer.view", "manager_b", "customer_a2", False),
    ("customer.view", "manager_a", "customer_a2", True),
    ("customer.view", "frontline_a", "customer_b", False),
    ("customer.view", "manager_a", "customer_b", False),
    ("customer.view", "manager_b", "customer_b", True),
    ("customer.view", "frontline_a", "customer_b2", False),
    ("customer.view", "frontline_nobranch", "customer_a", False),
    ("customer.view", "norole", "customer_a", False),
    ("customer.view", "inactive_manager", "customer_a", False),
    ("customer.view", "anonymous", "customer_a", False),
    # Changing the record (contacts, status, assessment, visit plan): the account manager and the supervisors of
    # its branch, and the general manager; a branch that only reads it (through a complaint) changes nothing.
    ("customer.change", "frontline_a", "customer_a", True),
    ("customer.change", "manager_a", "customer_a", True),
    ("customer.change", "manager_a2", "customer_a", True),
    ("customer.change", "gm", "customer_a", True),
    ("customer.change", "frontline_a2", "customer_a", False),
    ("customer.change", "admin", "customer_a", False),
    ("customer.change", "frontline_b", "customer_a", False),
    ("customer.change", "manager_b", "customer_a", False),
    ("customer.change", "frontline_b", "customer_b", True),
    ("customer.change", "manager_b", "customer_b", True),
    ("customer.change", "manager_a", "customer_b", False),
    ("customer.change", "frontline_a", "customer_b2", False),
    ("customer.change", "inactive_manager", "customer_a", False),
    # Clearing the "unverified" mark of a record the customer created themselves: whoever may edit the record.
    ("customer.verify", "frontline_a", "customer_a", True),
    ("customer.verify", "manager_a", "customer_a", True),
    ("customer.verify", "gm", "customer_a", True),
    ("customer.verify", "frontline_a2", "customer_a", False),
    ("customer.verify", "admin", "customer_a", False),
    ("customer.verify", "manager_b", "customer_a", False),
    ("customer.verify", "frontline_b", "customer_b", True),
    ("customer.verify", "manager_a", "customer_b", False),
    ("customer.verify", "inactive_manager", "customer_a", False),
    ("customer.verify", "anonymous", "customer_a", False),
    # Full phone numbers: the customer's account manager, the supervisors of *its* branch and the general manager;
    # not other front-line staff, not the admin, and NOT a manager of another branch even while that branch
    # handles a complaint of the customer (manager_b and customer_a).
    ("customer.see_phone", "frontline_a", "customer_a", True),
    ("customer.see_phone", "manager_a", "customer_a", True),
    ("customer.see_phone", "manager_a2", "customer_a", True),
    ("customer.see_phone", "gm", "customer_a", True),
    ("customer.see_phone", "gm", "customer_b", True),
    ("customer.see_phone", "frontline_a2", "customer_a", False),
    ("customer.see_phone", "admin", "customer_a", False),
    ("customer.see_phone", "manager_b", "customer_a", False),
    ("customer.see_phone", "frontline_b", "customer_a", False),
    ("customer.see_phone", "frontline_b", "customer_b", True),
    ("customer.see_phone", "manager_b", "customer_b", True),
    ("customer.see_phone", "manager_a", "customer_b", False),
    ("customer.see_phone", "frontline_a", "customer_b", False),
    ("customer.see_phone", "frontline_a", "customer_b2", False),
    ("customer.see_phone", "manager_b", "customer_b2", True),
    ("customer.see_phone", "frontline_b", "customer_b2", False),
    ("customer.see_phone", "frontline_nobranch", "customer_a", False),
    ("customer.see_phone", "norole", "customer_a", False),
    ("customer.see_phone", "inactive_manager", "customer_a", False),
    # Logging an interaction: anyone who serves customers, in the customer's branch (or the general manager).
    ("customer.log_interaction", "frontline_a", "customer_a", True),
    ("customer.log_interaction", "frontline_a2", "customer_a", True),
    ("customer.log_interaction", "manager_a", "customer_a", True),
    ("customer.log_interaction", "gm", "customer_b", True),
    ("customer.log_interaction", "admin", "customer_a", False),
    ("customer.log_interaction", "frontline_b", "customer_a", False),
    ("customer.log_interaction", "manager_b", "customer_a", False),
    ("customer.log_interaction", "frontline_a", "customer_b", False),
    # Recording a planned visit: its owner, the supervisors of the customer's branch, the general manager.
    ("visitplan.record", "frontline_a", "visit_plan_a", True),
    ("visitplan.record", "manager_a", "visit_plan_a", True),
    ("visitplan.record", "manager_a2", "visit_plan_a", True),
    ("visitplan.record", "gm", "visit_plan_a", True),
    ("visitplan.record", "frontline_a2", "visit_plan_a", False),
    ("visitplan.record", "frontline_a2", "visit_plan_a2", True),
    ("visitplan.record", "frontline_a", "visit_plan_a2", False),
    ("visitplan.record", "admin", "visit_plan_a", False),
    ("visitplan.record", "frontline_b", "visit_plan_a", False),
    ("visitplan.record", "manager_b", "visit_plan_a", False),
    ("visitplan.record", "manager_b", "visit_plan_b", True),
    ("visitplan.record", "manager_a", "visit_plan_b", False),
    # --- Imports: a batch is its creator's alone ------------------------------------------------------------------
    ("importbatch.view", "manager_a", "batch_a", True),
    ("importbatch.view", "manager_a2", "batch_a", False),
    ("importbatch.view", "manager_b", "batch_a", False),
    ("importbatch.view", "gm", "batch_a", False),
    ("importbatch.view", "admin", "batch_a", False),
    ("importbatch.view", "frontline_a", "batch_a", False),
    ("importbatch.view", "gm", "batch_gm", True),
    ("importbatch.view", "admin", "batch_admin", True),
    ("importbatch.view", "manager_b", "batch_b", True),
    ("importbatch.use", "manager_a", "batch_a", True),
    ("importbatch.use", "manager_b", "batch_b", True),
    ("importbatch.use", "gm", "batch_gm", True),
    ("importbatch.use", "admin", "batch_admin", True),
    ("importbatch.use", "manager_a", "batch_b", False),
    ("importbatch.use", "gm", "batch_a", False),
    ("importbatch.use", "admin", "batch_gm", False),
    ("importbatch.use", "manager_a2", "batch_a", False),
    # --- Complaint statistics (投诉总结) and corrective actions (整改) ----------------------------------------------
    # The statistics are management's: managers (their branch), the general manager and the admin (every branch).
    ("reports.view", "manager_a", None, True),
    ("reports.view", "gm", None, True),
    ("reports.view", "admin", None, True),
    ("reports.view", "frontline_a", None, False),
    ("reports.view", "norole", None, False),
    ("reports.view", "inactive_manager", None, False),
    ("reports.view", "anonymous", None, False),
    # The list of actions: every member of staff (an owner sees the actions they own).
    ("corrective_action.list", "frontline_a", None, True),
    ("corrective_action.list", "manager_a", None, True),
    ("corrective_action.list", "gm", None, True),
    ("corrective_action.list", "admin", None, True),
    ("corrective_action.list", "norole", None, False),
    ("corrective_action.list", "inactive_manager", None, False),
    ("corrective_action.list", "anonymous", None, False),
    # A manager raises actions for their branch, the general manager for any; not the admin, not front-line staff.
    ("corrective_action.create", "manager_a", None, True),
    ("corrective_action.create", "gm", None, True),
    ("corrective_action.create", "admin", None, False),
    ("corrective_action.create", "frontline_a", None, False),
    ("corrective_action.create", "inactive_manager", None, False),
    ("corrective_action.view", "manager_a", "action_a", True),
    ("corrective_action.view", "manager_b", "action_a", False),
    ("corrective_action.view", "gm", "action_a", True),
    ("corrective_action.view", "admin", "action_a", True),
    ("corrective_action.view", "frontline_a2", "action_a", True),  # its owner
    ("corrective_action.view", "frontline_a", "action_a", False),
    ("corrective_action.view", "manager_a", "action_company", False),
    ("corrective_action.view", "gm", "action_company", True),
    ("corrective_action.view", "frontline_b", "action_company", True),  # its owner
    ("corrective_action.view", "inactive_manager", "action_a", False),
    # What it addresses, its owner and due date: the branch's managers and the general manager.
    ("corrective_action.change", "manager_a", "action_a", True),
    ("corrective_action.change", "manager_a2", "action_a", True),
    ("corrective_action.change", "manager_b", "action_a", False),
    ("corrective_action.change", "gm", "action_a", True),
    ("corrective_action.change", "admin", "action_a", False),
    ("corrective_action.change", "frontline_a2", "action_a", False),
    ("corrective_action.change", "manager_a", "action_company", False),
    ("corrective_action.change", "gm", "action_company", True),
    # Starting and finishing it: also its owner.
    ("corrective_action.progress", "frontline_a2", "action_a", True),
    ("corrective_action.progress", "frontline_a", "action_a", False),
    ("corrective_action.progress", "manager_a", "action_a", True),
    ("corrective_action.progress", "manager_b", "action_a", False),
    ("corrective_action.progress", "gm", "action_a", True),
    ("corrective_action.progress", "admin", "action_a", False),
    ("corrective_action.progress", "frontline_b", "action_company", True),
    ("corrective_action.progress", "inactive_manager", "action_a", False),
]


def _actor(world, name: str):
    return AnonymousUser() if name == "anonymous" else world.users[name]


@pytest.mark.parametrize(
    ("perm", "actor", "obj", "expected"),
    MATRIX,
    ids=[f"{perm}-{actor}-{obj or 'none'}-{'yes' if expected else 'no'}" for perm, actor, obj, expected in MATRIX],
)
def test_the_policy_says_what_the_domain_says(rollback, perm, actor, obj, expected):
    world = rollback
    target = None if obj is None else getattr(world, obj)
    assert can(_actor(world, actor), perm, target) is expected


def test_every_rule_has_hand_written_expectations():
    registered = set(rules.permissions.permissions.keys())
    assert registered - {perm for perm, *_ in MATRIX} == set()


def test_every_rule_in_the_matrix_exists():
    """A typo here would otherwise test nothing: ``can`` refuses unknown names, and so does this."""
    assert {perm for perm, *_ in MATRIX} - set(rules.permissions.permissions.keys()) == set()


def test_every_rule_is_both_granted_and_refused_somewhere():
    """A rule the matrix only ever expects to refuse (or to grant) would not notice being made always-no (-yes)."""
    outcomes: dict[str, set] = {}
    for perm, _actor_name, _obj, expected in MATRIX:
        outcomes.setdefault(perm, set()).add(expected)
    assert {perm for perm, seen in outcomes.items() if seen != {True, False}} == set()


def test_unknown_rule_names_raise(rollback):
    with pytest.raises(KeyError):
        can(rollback.users["admin"], "complaint.delete")


def test_the_phone_filter_says_what_the_phone_rule_says(rollback):
    """``see_phone_filter`` (for searches by phone fragment) is the rule customer.see_phone written as a query: for
    every user and every customer of the world, the two agree."""
    world = rollback
    actors = [*world.users, "anonymous"]
    customers = list(Customer.objects.order_by("pk"))
    assert len(customers) >= 4
    disagreements = []
    for name in actors:
        user = _actor(world, name)
        found = set(Customer.objects.filter(see_phone_filter(user)).values_list("pk", flat=True))
        for customer in customers:
            allowed = can(user, "customer.see_phone", customer)
            if allowed != (customer.pk in found):
                disagreements.append((name, customer.name, f"rule={allowed}", f"filter={customer.pk in found}"))
    assert disagreements == []
