# Reference for hello.hi.
print("hello world!")
print("hello hello hello regions!")
xs = [1, 2, 3]
xs.append(len(xs) + 1)
print("sum of", len(xs), "numbers:", sum(xs), "half:", "%.9f" % (7.0 / 2.0))
