from django.urls import path

from . import views
from .ui import NoticeUI

app_name = "rectification"
urlpatterns = [
    *NoticeUI.urls(),
    path("notice/new/", views.NoticeCreateView.as_view(), name="notice_new"),
    path("notice/<int:pk>/items/", views.item_add, name="item_add"),
    path("item/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("notice/<int:pk>/issue/", views.notice_issue, name="notice_issue"),
    path("notice/<int:pk>/receive/", views.notice_receive, name="notice_receive"),
    path("notice/<int:pk>/report/", views.notice_report, name="notice_report"),
    path("notice/<int:pk>/verify/", views.notice_verify, name="notice_verify"),
    path("notice/<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("notice/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
]
