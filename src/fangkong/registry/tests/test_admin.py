import pytest

pytestmark = pytest.mark.django_db


def test_admin_pages_render_without_personal_ciphertext(world, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x-Strong-Pass-2020")
    client.force_login(admin)
    response = client.get(f"/admin/registry/resident/{world.resident_a.pk}/change/")
    assert response.status_code == 200
    assert world.resident_a.id_number_enc not in response.content.decode()
    assert client.get("/admin/registry/household/").status_code == 200
    assert client.get("/admin/core/auditevent/").status_code == 200
