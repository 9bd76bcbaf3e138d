from gigafibre.onboarding.customer_naming import customer_id


def test_the_name_when_free_else_with_the_postal_code_else_with_the_order():
	taken = set()
	assert customer_id("Marie  Tremblay", "h2j 2l3", "WO-00012", taken.__contains__) == "Marie Tremblay"
	taken.add("Marie Tremblay")
	assert (
		customer_id("Marie Tremblay", "h2j 2l3", "WO-00012", taken.__contains__) == "Marie Tremblay - H2J 2L3"
	)
	taken.add("Marie Tremblay - H2J 2L3")
	assert (
		customer_id("Marie Tremblay", "H2J 2L3", "WO-00012", taken.__contains__)
		== "Marie Tremblay - H2J 2L3 - WO-00012"
	)


def test_without_a_postal_code_the_order_tells_them_apart():
	assert customer_id("Roy inc.", None, "WO-7", {"Roy inc."}.__contains__) == "Roy inc. - WO-7"
