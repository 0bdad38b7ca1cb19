from django.db import models
from django.utils.translation import gettext_lazy as _


class CareReason(models.TextChoices):
    WIDOWED_CHILDLESS = "childless", _("孤寡老人")
    LIVING_ALONE = "alone", _("独居老人")
    ADVANCED_AGE = "old", _("高龄老人")
    DISABILITY = "disability", _("残疾")
    ILLNESS = "illness", _("重病")
    OTHER = "other", _("其他")


class Mobility(models.TextChoices):
    INDEPENDENT = "independent", _("能自理")
    PARTIAL = "partial", _("半自理")
    BEDRIDDEN = "bedridden", _("卧床")


class CareStatus(models.TextChoices):
    ACTIVE = "active", _("关爱中")
    CLOSED = "closed", _("已结束")


class Need(models.TextChoices):
    VEGETABLES = "vegetables", _("蔬菜")
    MEDICINE = "medicine", _("配药")
    MEALS = "meals", _("送餐")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", _("已送达")
    NOT_HOME = "not_home", _("不在家")
    REFUSED = "refused", _("拒收")


class Welfare(models.TextChoices):
    WELL = "well", _("良好")
    UNWELL = "unwell", _("身体不适")
    UNKNOWN = "unknown", _("未见到本人")


class DonorKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    FIRM = "firm", _("企业单位")
    ANONYMOUS = "anonymous", _("匿名")


class TargetKind(models.TextChoices):
    VOLUNTEER_POINT = "point", _("志愿者服务点")
    COMMITTEE = "committee", _("居委会")
    PERSON = "person", _("个人")
    ORGANIZATION = "organization", _("单位")
    VOLUNTEERS = "volunteers", _("志愿者")
    MASK_STOCK = "mask_stock", _("口罩库存")


class MaterialKind(models.TextChoices):
    GUIDE = "guide", _("《疫情防控指南》")
    LETTER = "letter", _("《给居民朋友的一封信》")
    HEALTH_FORM = "health_form", _("《健康状况信息登记表》")
    NOTICE = "notice", _("《告知单》")
    POSTER = "poster", _("宣传海报")
    OTHER = "other", _("其他材料")


class VolunteerSkill(models.TextChoices):
    """What a volunteer can do; the labels are the skills the duty roster's shifts ask for."""

    GATE = "gate", _("门岗")
    SCREENING = "screening", _("筛查")
    DELIVERY = "delivery", _("配送")
    OTHER = "other", _("其他")


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实")
    REJECTED = "rejected", _("未通过")


class IdentityCheck(models.TextChoices):
    """How a volunteer's identity was checked: against the registry by the ID number's hash, or by staff
    seeing the identity card (someone who lives outside the sub-district)."""

    REGISTRY = "registry", _("与实有人口一致")
    IN_PERSON = "in_person", _("现场查验证件")


class AttendanceSource(models.TextChoices):
    SELF = "self", _("扫码签到")
    IMPORT = "import", _("名单导入")
    STAFF = "staff", _("工作人员登记")


class LiangxinKind(models.TextChoices):
    ECONOMIC = "economic", _("新经济组织")
    SOCIAL = "social", _("新社会组织")


class DeedKind(models.TextChoices):
    """What a 两新 organisation's party members did."""

    SCREENING = "screening", _("排查反馈")
    LETTERS = "letters", _("转发《给居民朋友的一封信》")
    GUIDES = "guides", _("发放《疫情防控指南》")
    VOLUNTEERING = "volunteering", _("志愿服务")
    OTHER = "other", _("其他")
