from django.contrib import admin
from django.urls import include, path

from dangvien.accounts import twofactor
from dangvien.accounts import views as accounts
from dangvien.admission import views as admission
from dangvien.api.api import api
from dangvien.core.dbrouter import replica_reads
from dangvien.imports import views as imports
from dangvien.orgs import restructure_views as restructuring
from dangvien.orgs import views as orgs
from dangvien.people import views as people
from dangvien.records import exit_views as exits
from dangvien.records import person_views
from dangvien.records import position_views as positions
from dangvien.records import transfer_views as transfers
from dangvien.records import views as records
from dangvien.reports import dashboard, development_views, document_views, export_tasks
from dangvien.reports import views as reports
from dangvien.targets import term_views
from dangvien.targets import views as targets

# replica_reads: report and list pages, whose GETs may read from the replica
# (core.dbrouter; docs/deployment.md).
urlpatterns = [
    path("", replica_reads(reports.home), name="home"),
    path("units/", replica_reads(orgs.unit_tree), name="unit_tree"),
    path("units/options/", replica_reads(orgs.unit_options_view), name="unit_options"),
    path(
        "localities/options/",
        replica_reads(orgs.locality_options_view),
        name="locality_options",
    ),
    path("units/restructure/", restructuring.restructure_page, name="restructure"),
    path("units/restructure/split/", restructuring.restructure_split, name="restructure_split"),
    path(
        "units/restructure/task/<uuid:task_id>/",
        restructuring.restructure_task,
        name="restructure_task",
    ),
    path(
        "units/restructure/<int:pk>/undo/",
        restructuring.restructure_undo,
        name="restructure_undo",
    ),
    path("units/<str:code>/", orgs.unit_detail, name="unit_detail"),
    path("localities/", replica_reads(orgs.locality_list), name="locality_list"),
    path(
        "localities/restructure/",
        restructuring.locality_restructure_page,
        name="locality_restructure",
    ),
    path("people/", replica_reads(people.person_list), name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/export/", people.person_export, name="person_export"),
    # Exits and exemptions
    path("people/<int:pk>/exit/", exits.person_exit, name="person_exit"),
    path("people/<int:pk>/exits/<int:exit_pk>/reverse/", exits.exit_reverse, name="exit_reverse"),
    path(
        "people/<int:pk>/exits/<int:exit_pk>/expunged/",
        exits.exit_expunged,
        name="exit_expunged",
    ),
    path("people/<int:pk>/exemptions/new/", exits.exemption_new, name="exemption_new"),
    path("people/<int:pk>/out-of-contact/", exits.out_of_contact, name="out_of_contact"),
    path(
        "people/<int:pk>/out-of-contact/<int:period_pk>/edit/",
        exits.out_of_contact_edit,
        name="out_of_contact_edit",
    ),
    path(
        "people/<int:pk>/out-of-contact/<int:period_pk>/delete/",
        exits.out_of_contact_delete,
        name="out_of_contact_delete",
    ),
    path(
        "people/<int:pk>/exemptions/<int:exemption_pk>/end/",
        exits.exemption_end,
        name="exemption_end",
    ),
    # person: editing a person's details, residence history
    path("people/<int:pk>/edit/", person_views.person_edit, name="person_edit"),
    path("people/<int:pk>/residence/", person_views.person_move, name="person_move"),
    path("statistics/", replica_reads(reports.statistics), name="statistics"),
    path(
        "statistics/development/",
        replica_reads(development_views.development_page),
        name="development",
    ),
    path("statistics/coverage/", replica_reads(development_views.coverage_page), name="coverage"),
    path(
        "statistics/development/report.pdf",
        replica_reads(document_views.development_pdf),
        name="development_pdf",
    ),
    path(
        "statistics/coverage/report.pdf",
        replica_reads(document_views.coverage_pdf),
        name="coverage_pdf",
    ),
    path("targets/", replica_reads(targets.target_list), name="targets"),
    path("targets/terms/", term_views.term_list, name="term_list"),
    path("targets/terms/<int:pk>/", term_views.term_targets, name="term_targets"),
    path("targets/report.pdf", replica_reads(document_views.targets_pdf), name="targets_pdf"),
    path("reports/draft.docx", document_views.draft_docx, name="report_draft"),
    path("exports/<uuid:task_id>/", export_tasks.export_task, name="export_task"),
    path("exports/<uuid:task_id>/file/", export_tasks.export_file, name="export_file"),
    path("dashboard/", replica_reads(dashboard.dashboard), name="dashboard"),
    path("dashboard/report.pdf", replica_reads(document_views.dashboard_pdf), name="dashboard_pdf"),
    path("candidates/", replica_reads(admission.candidate_list), name="candidate_list"),
    path("candidates/new/", admission.candidate_new, name="candidate_new"),
    path("candidates/helpers/", admission.helper_options, name="candidate_helpers"),
    path("candidates/board/", replica_reads(admission.board), name="candidate_board"),
    path("candidates/<int:pk>/", admission.candidate_detail, name="candidate_detail"),
    path(
        "candidates/<int:pk>/step-form/",
        admission.candidate_step_form,
        name="candidate_step_form",
    ),
    path(
        "candidates/<int:pk>/forms/<str:code>.docx",
        admission.candidate_form,
        name="candidate_form",
    ),
    path("candidates/<int:pk>/forms.zip", admission.candidate_forms_zip, name="candidate_forms"),
    path(
        "units/<str:code>/candidates.docx",
        admission.unit_candidates_docx,
        name="unit_candidates_docx",
    ),
    path("units/<str:code>/cards.docx", admission.unit_cards_docx, name="unit_cards_docx"),
    path("alerts/", replica_reads(admission.alert_list), name="alerts"),
    path("audit/", accounts.audit_log, name="audit_log"),
    path("audit/users/", accounts.user_options, name="audit_user_options"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/codes/", replica_reads(imports.code_search), name="import_codes"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/template/<slug:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/export/", imports.import_export, name="import_export"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/write/", imports.import_write, name="import_write"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/report.xlsx", imports.import_report, name="import_report"),
    # Positions held, and voiding a dossier step recorded by mistake (area: positions)
    path("positions/", replica_reads(positions.position_list), name="position_list"),
    path("people/<int:pk>/positions/", positions.position_assign, name="position_assign"),
    path("positions/<int:pk>/end/", positions.position_end, name="position_end"),
    path(
        "candidates/<int:pk>/events/<int:event_id>/void/",
        admission.candidate_void_step,
        name="candidate_void_step",
    ),
    # Cards, badges, ratings
    path("cards/", replica_reads(records.card_list), name="card_list"),
    path("people/<int:pk>/cards/issue/", records.card_issue, name="card_issue"),
    path("people/<int:pk>/cards/reissue/", records.card_reissue, name="card_reissue"),
    path("badges/", replica_reads(records.badge_list), name="badge_list"),
    path("badges/list.docx", records.badge_list_docx_view, name="badge_list_docx"),
    path("people/<int:pk>/badges/award/", records.badge_award, name="badge_award"),
    path("ratings/", replica_reads(records.rating_table), name="ratings"),
    path("ratings/summary/", replica_reads(records.rating_summary), name="rating_summary"),
    # records: transfers of party activity and temporary activity
    path("transfers/", replica_reads(transfers.transfer_list), name="transfer_list"),
    path("transfers/in/", transfers.transfer_in, name="transfer_in"),
    path(
        "transfers/units/",
        replica_reads(transfers.transfer_unit_options),
        name="transfer_unit_options",
    ),
    path("transfers/<int:pk>/receive/", transfers.transfer_receive, name="transfer_receive"),
    path(
        "transfers/<int:pk>/receive/cells/",
        transfers.transfer_receive_cells,
        name="transfer_receive_cells",
    ),
    path("transfers/<int:pk>/cancel/", transfers.transfer_cancel, name="transfer_cancel"),
    path("people/<int:pk>/transfer/", transfers.transfer_issue, name="transfer_issue"),
    path("people/<int:pk>/transfer-out/", transfers.transfer_out, name="transfer_out"),
    path("people/<int:pk>/temporary/", transfers.temporary_start, name="temporary_start"),
    path("temporary/<int:pk>/end/", transfers.temporary_end, name="temporary_end"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/2fa/setup/", twofactor.setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", twofactor.verify, name="two_factor_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
]
