from django.conf import settings


def site(request):
    return {"site_name": settings.PINGAN_SITE_NAME}
