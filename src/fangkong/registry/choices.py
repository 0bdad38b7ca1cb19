from django.db import models
from django.utils.translation import gettext_lazy as _


class PremisesKind(models.TextChoices):
    OFFICE_TOWER = "office_tower", _("商务楼宇")
    BUSINESS_PARK = "business_park", _("园区")
    STREET_SHOPS = "street_shops", _("沿街商铺")
    MARKET = "market", _("市场")
    OTHER = "other", _("其他")


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    NEW_SOCIAL = "new_social", _("社会组织")
    PARTNER_UNIT = "partner_unit", _("区域化党建单位")
    HOTEL = "hotel", _("酒店")
    ELDERLY_HOME = "elderly_home", _("养老机构")
    SHOP = "shop", _("商铺")
    PUBLIC = "public", _("机关事业单位")


class BranchKind(models.TextChoices):
    BRANCH = "branch", _("党支部")
    GENERAL = "general", _("党总支")
    COMMITTEE = "committee", _("党委")
    TEMPORARY = "temporary", _("临时党支部")


class DepartmentKind(models.TextChoices):
    EDUCATION = "education", _("教育系统")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    CITY_MANAGEMENT = "city_management", _("城管执法")
    HEALTH = "health", _("卫生健康")
    PUBLIC_SECURITY = "public_security", _("公安")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    OTHER = "other", _("其他")
