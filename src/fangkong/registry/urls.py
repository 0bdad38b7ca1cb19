from fangkong.core.generic import urls_for
from fangkong.registry.views import OBJECT_TYPES

app_name = "registry"
urlpatterns = urls_for(OBJECT_TYPES)
