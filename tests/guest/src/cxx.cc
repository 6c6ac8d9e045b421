// C++: exceptions (custom types, rethrow, across frames, destructors during
// unwinding), iostreams, the standard containers, virtual calls, RTTI.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};
struct Square : Shape {
    double s;
    explicit Square(double s) : s(s) {}
    double area() const override { return s * s; }
    std::string name() const override { return "square"; }
};
struct Circle : Shape {
    double r;
    explicit Circle(double r) : r(r) {}
    double area() const override { return 3.14159265358979 * r * r; }
    std::string name() const override { return "circle"; }
};

struct MyError : std::runtime_error {
    int code;
    MyError(const std::string &m, int c) : std::runtime_error(m), code(c) {}
};

static int destroyed = 0;
struct Guard {
    int id;
    explicit Guard(int i) : id(i) {}
    ~Guard() { destroyed += id; }
};

static int thrower(int depth)
{
    Guard g(depth);
    if (depth == 0)
        throw MyError("deep failure", 42);
    return thrower(depth - 1) + 1;
}

static void rethrower()
{
    try {
        thrower(5);
    } catch (const std::exception &) {
        throw;
    }
}

int main()
{
    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.push_back(std::make_unique<Square>(3));
    shapes.push_back(std::make_unique<Circle>(1.5));
    shapes.push_back(std::make_unique<Square>(0.5));
    std::cout << std::fixed << std::setprecision(3);
    for (const auto &s : shapes)
        std::cout << s->name() << " area " << s->area() << '\n';
    int squares = 0;
    for (const auto &s : shapes)
        if (dynamic_cast<Square *>(s.get()))
            squares++;
    std::cout << "squares: " << squares << '\n';

    try {
        rethrower();
    } catch (const MyError &e) {
        std::cout << "caught MyError: " << e.what() << " code " << e.code
                  << " destroyed " << destroyed << '\n';
    }
    try {
        std::vector<int> v(3);
        v.at(10) = 1;
    } catch (const std::out_of_range &e) {
        std::cout << "caught out_of_range\n";
    }
    try {
        throw 7;
    } catch (int x) {
        std::cout << "caught int " << x << '\n';
    }
    try {
        std::string s = "abc";
        (void)std::stoi(s);
    } catch (const std::invalid_argument &) {
        std::cout << "caught invalid_argument from stoi\n";
    }

    std::map<std::string, int> counts;
    std::istringstream in("the quick brown fox jumps over the lazy dog the end");
    std::string w;
    while (in >> w)
        counts[w]++;
    for (const auto &[k, v] : counts)
        std::cout << k << '=' << v << ' ';
    std::cout << '\n';

    std::vector<int> nums(20);
    std::iota(nums.begin(), nums.end(), 1);
    std::reverse(nums.begin(), nums.end());
    std::sort(nums.begin(), nums.end(), [](int a, int b) { return a % 5 < b % 5 || (a % 5 == b % 5 && a < b); });
    std::ostringstream out;
    for (int n : nums)
        out << n << ',';
    std::cout << out.str() << '\n';
    std::cout << "sum " << std::accumulate(nums.begin(), nums.end(), 0L) << '\n';
    std::cout << std::scientific << std::setprecision(4) << 123456.789 << ' '
              << std::hex << 255 << std::dec << ' ' << std::setw(6) << 42 << '\n';
    std::cerr << "to stderr\n";
    return 0;
}
