"""Routes of the sandbox gateway; the base URL `<host>/sandbox` plays the gateway's `{{BASE_URL}}`."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from studio.sandbox import mj_views, openai_views, video_views, views

app_name = "sandbox"

midjourney_patterns = [
    path("submit/imagine", mj_views.submit_imagine, name="mj_imagine"),
    path("submit/action", mj_views.submit_action, name="mj_action"),
    path("submit/blend", mj_views.submit_blend, name="mj_blend"),
    path("submit/describe", mj_views.submit_describe, name="mj_describe"),
    path("submit/modal", mj_views.submit_modal, name="mj_modal"),
    path("submit/shorten", mj_views.submit_shorten, name="mj_shorten"),
    path("submit/swap_face", mj_views.submit_swap_face, name="mj_swap_face"),
    path("insight-face/swap", mj_views.submit_swap_face, name="mj_insight_face_swap"),
    path("task/list-by-condition", mj_views.task_list_by_condition, name="mj_list_by_condition"),
    path("task/<str:task_id>/fetch", mj_views.task_fetch, name="mj_fetch"),
    path("task/<str:task_id>/image-seed", mj_views.task_image_seed, name="mj_image_seed"),
    path("image/<str:task_id>", mj_views.task_image, name="mj_image"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/pricing", openai_views.api_pricing, name="api_pricing"),
    path("v1/chat/completions", openai_views.chat_completions, name="chat_completions"),
    path("v1/completions", openai_views.completions, name="completions"),
    path("v1/images/generations", openai_views.images_generations, name="images_generations"),
    path("v1/images/edits", openai_views.images_edits, name="images_edits"),
    path("v1/images/variations", openai_views.not_implemented, name="images_variations"),
    path("v1/audio/speech", openai_views.audio_speech, name="audio_speech"),
    path("v1/audio/transcriptions", openai_views.audio_transcriptions, name="audio_transcriptions"),
    path("v1/audio/translations", openai_views.audio_translations, name="audio_translations"),
    path("v1/embeddings", openai_views.embeddings, name="embeddings"),
    path("v1/models", openai_views.models_list, name="models"),
    path("v1/models/<str:model_id>", openai_views.model_detail, name="model_detail"),
    path("v1/video/generations", video_views.video_generations, name="video_generations"),
    path(
        "v1/video/generations/<str:task_id>",
        video_views.video_generation_detail,
        name="video_generation_detail",
    ),
    path("v1/videos", video_views.videos_create, name="videos"),
    path("v1/videos/<str:video_id>", video_views.video_detail, name="video_detail"),
    path("v1/videos/<str:video_id>/remix", video_views.video_remix, name="video_remix"),
    path("v1/videos/<str:video_id>/content", video_views.video_content, name="video_content"),
    re_path(r"^v1/(?:files|fine-tunes|fine_tuning)(?:/.*)?$", openai_views.not_implemented),
    re_path(r"^v1/.*$", openai_views.unknown_route, name="unknown_route"),
    path("mj/", include(midjourney_patterns)),
    # Speed-mode prefixes are accepted and ignored, as on a vanilla new-api.
    re_path(r"^(?:mj-fast|mj-turbo|mj-relax)/mj/", include((midjourney_patterns, "mode"))),
    path("cdn/download/<str:day>/<str:filename>", views.cdn_download, name="cdn_download"),
    path("cdn/<str:day>/<str:filename>", views.cdn_file, name="cdn_file"),
]
