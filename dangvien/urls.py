from django.contrib import admin
from django.urls import include, path

from dangvien.accounts import twofactor
from dangvien.accounts import views as accounts
from dangvien.admission import views as admission
from dangvien.api.api import api
from dangvien.imports import views as imports
from dangvien.orgs import restructure_views as restructuring
from dangvien.orgs import views as orgs
from dangvien.people import views as people
from dangvien.records import transfer_views as transfers
from dangvien.reports import dashboard, development_views, document_views
from dangvien.reports import views as reports
from dangvien.targets import term_views
from dangvien.targets import views as targets

urlpatterns = [
    path("", reports.home, name="home"),
    path("units/", orgs.unit_tree, name="unit_tree"),
    path("units/restructure/", restructuring.restructure_page, name="restructure"),
    path("units/restructure/split/", restructuring.restructure_split, name="restructure_split"),
    path(
        "units/restructure/<int:pk>/undo/",
        restructuring.restructure_undo,
        name="restructure_undo",
    ),
    path("units/<str:code>/", orgs.unit_detail, name="unit_detail"),
    path("localities/", orgs.locality_list, name="locality_list"),
    path("people/", people.person_list, name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/export/", people.person_export, name="person_export"),
    path("statistics/", reports.statistics, name="statistics"),
    path("statistics/development/", development_views.development_page, name="development"),
    path("statistics/coverage/", development_views.coverage_page, name="coverage"),
    path(
        "statistics/development/report.pdf",
        document_views.development_pdf,
        name="development_pdf",
    ),
    path("statistics/coverage/report.pdf", document_views.coverage_pdf, name="coverage_pdf"),
    path("targets/", targets.target_list, name="targets"),
    path("targets/terms/", term_views.term_list, name="term_list"),
    path("targets/terms/<int:pk>/", term_views.term_targets, name="term_targets"),
    path("targets/report.pdf", document_views.targets_pdf, name="targets_pdf"),
    path("reports/draft.docx", document_views.draft_docx, name="report_draft"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/report.pdf", document_views.dashboard_pdf, name="dashboard_pdf"),
    path("candidates/", admission.candidate_list, name="candidate_list"),
    path("candidates/new/", admission.candidate_new, name="candidate_new"),
    path("candidates/helpers/", admission.helper_options, name="candidate_helpers"),
    path("candidates/board/", admission.board, name="candidate_board"),
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
    path("alerts/", admission.alert_list, name="alerts"),
    path("audit/", accounts.audit_log, name="audit_log"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/template/<slug:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/export/", imports.import_export, name="import_export"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/write/", imports.import_write, name="import_write"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/report.xlsx", imports.import_report, name="import_report"),
    # records: transfers of party activity and temporary activity
    path("transfers/", transfers.transfer_list, name="transfer_list"),
    path("transfers/in/", transfers.transfer_in, name="transfer_in"),
    path("transfers/<int:pk>/receive/", transfers.transfer_receive, name="transfer_receive"),
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
