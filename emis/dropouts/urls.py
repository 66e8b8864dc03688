from django.urls import path

from . import detection_views

app_name = "dropouts"
urlpatterns = [
    # 四查三比对 (helper "det")
    path("detection/", detection_views.DetectionView.as_view(), name="detection"),
    path("detection/review/", detection_views.ReviewView.as_view(), name="detection_review"),
]
