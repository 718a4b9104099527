from django.urls import path

from .views import acceptance, assessment, campaign, city_work, creation, experts

app_name = "campaigns"

urlpatterns = [
    # The campaign: goal, batches, deadlines, counties (campaign.py)
    path("", campaign.campaign_list, name="list"),
    path("new/", campaign.campaign_new, name="campaign_new"),
    path("<int:pk>/", campaign.campaign_detail, name="campaign"),
    path("<int:pk>/edit/", campaign.campaign_edit, name="campaign_edit"),
    path("<int:pk>/batches/new/", campaign.batch_new, name="batch_new"),
    path("batches/<int:pk>/edit/", campaign.batch_edit, name="batch_edit"),
    # The city's own work and the annual summary (city_work.py)
    path("<int:pk>/meetings/", city_work.meetings, name="meetings"),
    path("meetings/<int:pk>/", city_work.meeting, name="meeting"),
    path("<int:pk>/visits/", city_work.visits, name="visits"),
    path("visits/<int:pk>/", city_work.visit, name="visit"),
    path("<int:pk>/funding/<int:year>/", city_work.funding, name="funding"),
    path("funding/<int:pk>/approve/", city_work.funding_approve, name="funding_approve"),
    path("<int:pk>/summaries/", city_work.summaries, name="summaries"),
    path("summaries/<int:pk>/<str:kind>/", city_work.summary_download, name="summary_download"),
    # One county's record, its stage moves and documents (creation.py)
    path("creations/<int:pk>/", creation.creation_detail, name="creation"),
    path("creations/<int:pk>/return/", creation.creation_return, name="creation_return"),
    path("creations/<int:pk>/documents/", creation.document_upload, name="creation_document"),
    path("documents/<int:pk>/", creation.document_download, name="creation_document_download"),
    # 现场验收, 公示, 报上级复核, 命名, 复核 (acceptance.py)
    path("creations/<int:pk>/acceptance/", acceptance.acceptance, name="acceptance"),
    path("creations/<int:pk>/acceptance-opinion.docx", acceptance.acceptance_opinion, name="acceptance_opinion"),
    path("rectifications/<int:pk>/", acceptance.rectification, name="rectification"),
    path("rectification-evidence/<int:pk>/", acceptance.rectification_evidence_download,
         name="rectification_evidence_download"),
    path("creations/<int:pk>/publicity/", acceptance.publicity, name="publicity"),
    path("objections/<int:pk>/", acceptance.objection, name="objection"),
    path("creations/<int:pk>/naming/", acceptance.naming, name="naming"),
    path("creations/<int:pk>/recheck/", acceptance.recheck, name="recheck"),
    # 自评 and 技术评估 (assessment.py, experts.py)
    path("creations/<int:pk>/self-assessment/", assessment.self_assessment, name="self_assessment"),
    path("self-scores/<int:pk>/", assessment.self_score, name="self_score"),
    path("self-scores/<int:pk>/evidence/", assessment.self_score_evidence_upload, name="self_score_evidence_upload"),
    path("self-score-evidence/<int:pk>/", assessment.self_score_evidence, name="self_score_evidence"),
    path("self-score-evidence/<int:pk>/delete/", assessment.self_score_evidence_delete,
         name="self_score_evidence_delete"),
    path("experts/", experts.expert_list, name="experts"),
    path("experts/<int:pk>/", experts.expert_detail, name="expert"),
    path("assigned/", experts.assigned, name="assigned"),
    path("creations/<int:pk>/experts/", experts.expert_group, name="expert_group"),
    path("creations/<int:pk>/scoring/", experts.scoring, name="scoring"),
    path("creations/<int:pk>/scoring/sheet/", experts.score_sheet, name="score_sheet"),
    path("creations/<int:pk>/scoring/sheet/<str:token>/", experts.score_sheet_preview, name="score_sheet_preview"),
    path("creations/<int:pk>/scores/", experts.group_scores, name="group_scores"),
    path("creations/<int:pk>/technical-opinion.docx", experts.technical_opinion, name="technical_opinion"),
]
